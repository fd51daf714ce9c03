"""videos: who took a removed clip down (author, cameo owner or review); only a review removal
feeds the re-upload list. Clips removed before this are told apart by their audit entries.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removal', sa.Enum('author', 'cameo_owner', 'review', name='video_removal',
                                                         native_enum=False, create_constraint=True, length=24),
                                      nullable=True))
    audited = ("EXISTS (SELECT 1 FROM audit_log a WHERE a.target_type = 'video' AND a.target_id = videos.id "
               "AND a.action = '{action}'{extra})")
    op.execute("UPDATE videos SET removal = CASE "
               f"WHEN {audited.format(action='cameo.remove_appearance', extra='')} THEN 'cameo_owner' "
               f"WHEN {audited.format(action='video.remove', extra=' AND a.actor_id = videos.author_id')} "
               "THEN 'author' ELSE 'review' END WHERE status = 'removed'")


def downgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('removal')
