"""cameo permission 'followers'; clips an owner kept after revoking

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD = "permission IN ('only_me', 'approved', 'mutuals', 'everyone')"
NEW = "permission IN ('only_me', 'approved', 'followers', 'mutuals', 'everyone')"


def upgrade() -> None:
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cameos_cameo_permission'), type_='check')
        batch_op.create_check_constraint(op.f('ck_cameos_cameo_permission'), NEW)
    with op.batch_alter_table('video_cameos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kept_by_owner', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('video_cameos', schema=None) as batch_op:
        batch_op.drop_column('kept_by_owner')
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cameos_cameo_permission'), type_='check')
        batch_op.create_check_constraint(op.f('ck_cameos_cameo_permission'), OLD)
