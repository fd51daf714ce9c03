"""moderation: case tiers, leases, appeals; clip labels and age restriction; notifications;
audit-log indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('age_restricted', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier', sa.Enum('reviewer', 'senior', name='case_tier', native_enum=False,
                                                      create_constraint=True, length=24),
                                      server_default='reviewer', nullable=False))
        batch_op.add_column(sa.Column('appeal_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('excluded_reviewer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_moderation_cases_appeal_of_id'), ['appeal_of_id'])
        batch_op.create_foreign_key(batch_op.f('fk_moderation_cases_appeal_of_id_moderation_cases'),
                                    'moderation_cases', ['appeal_of_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_moderation_cases_excluded_reviewer_id_users'),
                                    'users', ['excluded_reviewer_id'], ['id'])
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['moderation_cases.id'], name=op.f('fk_notifications_case_id_moderation_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_notifications_video_id_videos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_target', ['target_type', 'target_id'], unique=False)
        batch_op.create_index('ix_audit_log_actor_created', ['actor_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_actor_created')
        batch_op.drop_index('ix_audit_log_target')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
    op.drop_table('notifications')
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_moderation_cases_excluded_reviewer_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_moderation_cases_appeal_of_id_moderation_cases'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_moderation_cases_appeal_of_id'), type_='unique')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('excluded_reviewer_id')
        batch_op.drop_column('appeal_of_id')
        batch_op.drop_column('tier')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('age_restricted')
        batch_op.drop_column('label')
