"""feed: engagement counters on clips (backfilled), per-person ranking policy, ranking experiments,
views updated by the player (view_key) and the policy that served them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('like_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('view_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('completed_view_count', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_policy', sa.String(length=32), nullable=True))
    with op.batch_alter_table('watch_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('view_key', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('feed_policy', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_watch_events_view_key'), ['view_key'])
    op.create_table('feed_experiments',
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('arms', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_feed_experiments'))
    )
    op.execute("UPDATE videos SET like_count = (SELECT count(*) FROM likes WHERE likes.video_id = videos.id), "
               "view_count = (SELECT count(*) FROM watch_events WHERE watch_events.video_id = videos.id), "
               "completed_view_count = (SELECT count(*) FROM watch_events "
               "WHERE watch_events.video_id = videos.id AND watch_events.completed)")


def downgrade() -> None:
    op.drop_table('feed_experiments')
    with op.batch_alter_table('watch_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_watch_events_view_key'), type_='unique')
        batch_op.drop_column('feed_policy')
        batch_op.drop_column('view_key')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('feed_policy')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('completed_view_count')
        batch_op.drop_column('view_count')
        batch_op.drop_column('like_count')
