"""prompt-policy hits; clips held by the output scan; frame fingerprints; cameo face embeddings;
editable registry entries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_reason', sa.String(length=200), nullable=True))
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('face_embedding', sa.JSON(), nullable=True))
    with op.batch_alter_table('ip_opt_outs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('policy_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('matched', sa.String(length=200), nullable=False),
    sa.Column('ip_opt_out_id', sa.Integer(), nullable=True),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ip_opt_out_id'], ['ip_opt_outs.id'], name=op.f('fk_policy_hits_ip_opt_out_id_ip_opt_outs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_policy_hits_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_hits'))
    )
    with op.batch_alter_table('policy_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_hits_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_hits_ip_opt_out_id'), ['ip_opt_out_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_hits_user_id'), ['user_id'], unique=False)
    op.create_table('video_fingerprints',
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('frame_hashes', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], name=op.f('fk_video_fingerprints_video_id_videos'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('video_id', name=op.f('pk_video_fingerprints'))
    )


def downgrade() -> None:
    op.drop_table('video_fingerprints')
    with op.batch_alter_table('policy_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_hits_user_id'))
        batch_op.drop_index(batch_op.f('ix_policy_hits_ip_opt_out_id'))
        batch_op.drop_index(batch_op.f('ix_policy_hits_code'))
    op.drop_table('policy_hits')
    with op.batch_alter_table('ip_opt_outs', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('cameos', schema=None) as batch_op:
        batch_op.drop_column('face_embedding')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('held_reason')
