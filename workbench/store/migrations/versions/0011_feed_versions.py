"""users.feed_version: raised with every follow, unfollow and "Not interested", so that a For You
ranking kept under an older version is never served (workbench.social.kept_pages); an index of the
suspended accounts, which every feed query excludes; videos.remix_parent_author_id (filled in for the
remixes there are), and the indexes For You's followed-authors and remixes pools read newest first.

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
    with op.batch_alter_table('videos') as table:
        table.add_column(sa.Column('remix_parent_author_id', sa.Integer(), nullable=True))
    op.execute("UPDATE videos SET remix_parent_author_id = (SELECT parent.author_id FROM videos AS parent "
               "WHERE parent.id = videos.remix_parent_id) WHERE remix_parent_id IS NOT NULL")
    op.drop_index('ix_videos_author_status', table_name='videos')
    op.create_index('ix_videos_author_status_id', 'videos', ['author_id', 'status', 'id'])
    op.create_index('ix_videos_remix_parent_author_status_id', 'videos', ['remix_parent_author_id', 'status', 'id'])


def downgrade() -> None:
    op.drop_index('ix_videos_remix_parent_author_status_id', table_name='videos')
    op.drop_index('ix_videos_author_status_id', table_name='videos')
    op.create_index('ix_videos_author_status', 'videos', ['author_id', 'status'])
    with op.batch_alter_table('videos') as table:
        table.drop_column('remix_parent_author_id')
    op.drop_index('ix_users_suspended', table_name='users')
    with op.batch_alter_table('users') as table:
        table.drop_column('feed_version')
