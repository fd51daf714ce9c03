"""users.feed_version: raised with every follow, unfollow and "Not interested", so that a For You
ranking kept under an older version is never served (workbench.social.kept_pages); and an index of
the suspended accounts, which every feed query excludes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as table:
        table.add_column(sa.Column('feed_version', sa.Integer(), server_default='0', nullable=False))
    suspended = sa.column('suspended', sa.Boolean()).is_(True)
    op.create_index('ix_users_suspended', 'users', ['id'], postgresql_where=suspended, sqlite_where=suspended)


def downgrade() -> None:
    op.drop_index('ix_users_suspended', table_name='users')
    with op.batch_alter_table('users') as table:
        table.drop_column('feed_version')
