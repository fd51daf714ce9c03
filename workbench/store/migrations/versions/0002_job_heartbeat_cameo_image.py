"""job heartbeat and progress message; cameo reference image

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('progress_message', sa.String(length=120), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_image_path', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.drop_column('reference_image_path')
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.drop_column('progress_message')
        batch_op.drop_column('heartbeat_at')
