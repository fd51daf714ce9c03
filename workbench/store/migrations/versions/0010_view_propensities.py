"""watch_events: the feed page a view came from, its slot, the chance the serving policy showed the
clip there (epsilon-greedy exploration), and the chance each other policy would have: what
off-policy evaluation reads (workbench ope).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('watch_events') as table:
        table.add_column(sa.Column('page_key', sa.String(36), nullable=True))
        table.add_column(sa.Column('slot', sa.Integer(), nullable=True))
        table.add_column(sa.Column('propensity', sa.Float(), nullable=True))
        table.add_column(sa.Column('target_propensities', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('watch_events') as table:
        table.drop_column('target_propensities')
        table.drop_column('propensity')
        table.drop_column('slot')
        table.drop_column('page_key')
