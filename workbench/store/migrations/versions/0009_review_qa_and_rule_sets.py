"""Blind quality-control reviews of decided cases (moderation_cases.qa_of_id, and reviewed_by_id: the
second reviewer, once they have decided), versioned prompt-policy
rule sets (policy_rule_sets) and the log of screened prompts with shadow decisions (prompt_checks).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

LIVE = "status IN ('active', 'shadow')"


def upgrade() -> None:
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qa_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_moderation_cases_reviewed_by_id_users'), 'users',
                                    ['reviewed_by_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_moderation_cases_qa_of_id'), ['qa_of_id'])
        batch_op.create_foreign_key(batch_op.f('fk_moderation_cases_qa_of_id_moderation_cases'),
                                    'moderation_cases', ['qa_of_id'], ['id'])
    op.create_table(
        'policy_rule_sets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('draft', 'shadow', 'active', 'retired', 'discarded', name='rule_set_status',
                                    native_enum=False, create_constraint=True, length=24), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('backtest', sa.JSON(), nullable=True),
        sa.Column('shadow_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_policy_rule_sets_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_rule_sets')),
    )
    op.create_index('one_rule_set_per_live_status', 'policy_rule_sets', ['status'], unique=True,
                    sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    op.create_table(
        'prompt_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('prompt', sa.Text(), nullable=False),
        sa.Column('cameos', sa.JSON(), nullable=False),
        sa.Column('decision', sa.String(length=8), nullable=False),
        sa.Column('codes', sa.JSON(), nullable=False),
        sa.Column('rule_set_id', sa.Integer(), nullable=True),
        sa.Column('shadow_rule_set_id', sa.Integer(), nullable=True),
        sa.Column('shadow_decision', sa.String(length=8), nullable=True),
        sa.Column('shadow_codes', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_prompt_checks_user_id_users')),
        sa.ForeignKeyConstraint(['rule_set_id'], ['policy_rule_sets.id'],
                                name=op.f('fk_prompt_checks_rule_set_id_policy_rule_sets')),
        sa.ForeignKeyConstraint(['shadow_rule_set_id'], ['policy_rule_sets.id'],
                                name=op.f('fk_prompt_checks_shadow_rule_set_id_policy_rule_sets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_checks')),
    )
    op.create_index(op.f('ix_prompt_checks_user_id'), 'prompt_checks', ['user_id'])
    op.create_index(op.f('ix_prompt_checks_shadow_rule_set_id'), 'prompt_checks', ['shadow_rule_set_id'])


def downgrade() -> None:
    op.drop_table('prompt_checks')
    op.drop_index('one_rule_set_per_live_status', table_name='policy_rule_sets')
    op.drop_table('policy_rule_sets')
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_moderation_cases_qa_of_id_moderation_cases'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_moderation_cases_qa_of_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_moderation_cases_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('qa_of_id')
