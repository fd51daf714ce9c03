"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.Enum('user', 'reviewer', 'rights_holder', 'admin', name='role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('is_teen', sa.Boolean(), nullable=False),
    sa.Column('region', sa.String(length=8), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('handle', name=op.f('uq_users_handle'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('target_type', sa.String(length=24), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)

    op.create_table('cameos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('person', 'character', name='cameo_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('handle', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('status', sa.Enum('pending', 'held', 'verified', 'revoked', name='cameo_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('permission', sa.Enum('only_me', 'approved', 'mutuals', 'everyone', name='cameo_permission', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('restrictions', sa.Text(), nullable=False),
    sa.Column('verification', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_cameos_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cameos')),
    sa.UniqueConstraint('handle', name=op.f('uq_cameos_handle'))
    )
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cameos_owner_id'), ['owner_id'], unique=False)

    op.create_table('follows',
    sa.Column('follower_id', sa.Integer(), nullable=False),
    sa.Column('followee_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('follower_id <> followee_id', name=op.f('ck_follows_not_self')),
    sa.ForeignKeyConstraint(['followee_id'], ['users.id'], name=op.f('fk_follows_followee_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['follower_id'], ['users.id'], name=op.f('fk_follows_follower_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('follower_id', 'followee_id', name=op.f('pk_follows'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follows_followee_id'), ['followee_id'], unique=False)

    op.create_table('ip_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('holder_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('scope', sa.Enum('block', 'rules', name='opt_out_scope', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_ip_opt_outs_holder_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_opt_outs'))
    )
    with op.batch_alter_table('ip_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_opt_outs_holder_id'), ['holder_id'], unique=False)

    op.create_table('videos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'removed', name='video_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('caption', sa.Text(), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('fps', sa.Integer(), nullable=False),
    sa.Column('media_path', sa.String(length=255), nullable=False),
    sa.Column('media_sha256', sa.String(length=64), nullable=False),
    sa.Column('backend', sa.String(length=32), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('remix_parent_id', sa.Integer(), nullable=True),
    sa.Column('remix_root_id', sa.Integer(), nullable=True),
    sa.Column('remix_depth', sa.Integer(), nullable=False),
    sa.Column('allow_remix', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('remix_depth >= 0', name=op.f('ck_videos_depth_non_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_videos_author_id_users')),
    sa.ForeignKeyConstraint(['remix_parent_id'], ['videos.id'], name=op.f('fk_videos_remix_parent_id_videos')),
    sa.ForeignKeyConstraint(['remix_root_id'], ['videos.id'], name=op.f('fk_videos_remix_root_id_videos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_videos'))
    )
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.create_index('ix_videos_author_status', ['author_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_videos_remix_parent_id'), ['remix_parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_videos_remix_root_id'), ['remix_root_id'], unique=False)
        batch_op.create_index('ix_videos_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('cameo_approvals',
    sa.Column('cameo_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cameo_id'], ['cameos.id'], name=op.f('fk_cameo_approvals_cameo_id_cameos'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cameo_approvals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cameo_id', 'user_id', name=op.f('pk_cameo_approvals'))
    )
    with op.batch_alter_table('cameo_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cameo_approvals_user_id'), ['user_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users')),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_comments_video_id_videos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_video_id'), ['video_id'], unique=False)

    op.create_table('generation_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='job_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('video_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_generation_jobs_requester_id_users')),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_generation_jobs_video_id_videos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generation_jobs'))
    )
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generation_jobs_requester_id'), ['requester_id'], unique=False)

    op.create_table('likes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_likes_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_likes_video_id_videos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'video_id', name=op.f('pk_likes'))
    )
    with op.batch_alter_table('likes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_likes_video_id'), ['video_id'], unique=False)

    op.create_table('moderation_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=True),
    sa.Column('cameo_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('report', 'scan', 'enrollment', 'appeal', name='case_source', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('status', sa.Enum('open', 'claimed', 'decided', name='case_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('severity', sa.Float(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=24), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cameo_id'], ['cameos.id'], name=op.f('fk_moderation_cases_cameo_id_cameos')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_moderation_cases_claimed_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_moderation_cases_decided_by_id_users')),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_moderation_cases_video_id_videos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_cases'))
    )
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_cases_status_severity', ['status', 'severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_cases_video_id'), ['video_id'], unique=False)

    op.create_table('public_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('cameo_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cameo_id'], ['cameos.id'], name=op.f('fk_public_figures_cameo_id_cameos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_figures')),
    sa.UniqueConstraint('name', name=op.f('uq_public_figures_name'))
    )
    op.create_table('video_cameos',
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('cameo_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cameo_id'], ['cameos.id'], name=op.f('fk_video_cameos_cameo_id_cameos')),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_video_cameos_video_id_videos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('video_id', 'cameo_id', name=op.f('pk_video_cameos'))
    )
    with op.batch_alter_table('video_cameos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_video_cameos_cameo_id'), ['cameo_id'], unique=False)

    op.create_table('video_moods',
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('mood', sa.String(length=24), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_video_moods_video_id_videos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('video_id', 'mood', name=op.f('pk_video_moods'))
    )
    with op.batch_alter_table('video_moods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_video_moods_mood'), ['mood'], unique=False)

    op.create_table('watch_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('watched_s', sa.Float(), nullable=False),
    sa.Column('clip_duration_s', sa.Float(), nullable=False),
    sa.Column('loops', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('loops >= 0', name=op.f('ck_watch_events_loops_non_negative')),
    sa.CheckConstraint('watched_s >= 0', name=op.f('ck_watch_events_watched_non_negative')),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_watch_events_video_id_videos'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_watch_events_viewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_events'))
    )
    with op.batch_alter_table('watch_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_events_video_id'), ['video_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_watch_events_viewer_id'), ['viewer_id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['moderation_cases.id'], name=op.f('fk_reports_case_id_moderation_cases')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users')),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_reports_video_id_videos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('video_id', 'reporter_id', name='one_per_reporter')
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_video_id'), ['video_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_video_id'))
        batch_op.drop_index(batch_op.f('ix_reports_case_id'))

    op.drop_table('reports')
    with op.batch_alter_table('watch_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_events_viewer_id'))
        batch_op.drop_index(batch_op.f('ix_watch_events_video_id'))

    op.drop_table('watch_events')
    with op.batch_alter_table('video_moods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_video_moods_mood'))

    op.drop_table('video_moods')
    with op.batch_alter_table('video_cameos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_video_cameos_cameo_id'))

    op.drop_table('video_cameos')
    op.drop_table('public_figures')
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_cases_video_id'))
        batch_op.drop_index('ix_moderation_cases_status_severity')

    op.drop_table('moderation_cases')
    with op.batch_alter_table('likes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_likes_video_id'))

    op.drop_table('likes')
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generation_jobs_requester_id'))

    op.drop_table('generation_jobs')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_video_id'))

    op.drop_table('comments')
    with op.batch_alter_table('cameo_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cameo_approvals_user_id'))

    op.drop_table('cameo_approvals')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_index('ix_videos_status_published_at')
        batch_op.drop_index(batch_op.f('ix_videos_remix_root_id'))
        batch_op.drop_index(batch_op.f('ix_videos_remix_parent_id'))
        batch_op.drop_index('ix_videos_author_status')

    op.drop_table('videos')
    with op.batch_alter_table('ip_opt_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_opt_outs_holder_id'))

    op.drop_table('ip_opt_outs')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follows_followee_id'))

    op.drop_table('follows')
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cameos_owner_id'))

    op.drop_table('cameos')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    op.drop_table('users')
    op.drop_table('meta')
