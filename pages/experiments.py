"""Experiments: compare feed ranking policies. A simulated A/B runs the population simulator once per
policy on the same people and reads each difference to the control with its 95 % interval
(workbench.simulation.experiments); below it, the live experiments with each arm's figures from the
app's watch telemetry (admins read those)."""
import pandas as pd
import plotly.express as px
import streamlit as st

from pages.common import require_actor, show_error
from workbench import Role, WorkbenchError
from workbench.simulation.experiments import (
    MAX_DAYS,
    MAX_USERS,
    METRIC_HELP,
    METRICS,
    MIN_DAYS,
    MIN_USERS,
    live_comparison,
    policy_words,
    simulated_ab,
)
from workbench.social.ranking import POLICIES

#: the session-state key of the last simulated A/B (it survives reruns and page switches)
RESULT = "experiments_ab"

wb, actor = require_actor()


def difference_lines(differences) -> None:
    """The differences arm by arm, each marked better (green), worse (red) or no real difference (grey)."""
    lines = []
    for d in differences:
        if not lines or lines[-1][0] != d.arm:
            lines.append((d.arm, [f"**{d.arms_words}**"]))
        mark = (":gray[:material/drag_handle:]" if d.better is None
                else ":green[:material/thumb_up:]" if d.better else ":red[:material/thumb_down:]")
        lines[-1][1].append(f"- {mark} {d.phrase()}")
    for _, block in lines:
        st.markdown("\n".join(block))


def arm_table(comparison, extra: bool) -> None:
    """Each arm's figures side by side: one column per arm (the control first), one row per figure."""
    rows = {"viewers": [f"{a.viewers:,}" for a in comparison.arms], "views": [f"{a.views:,}" for a in comparison.arms]}
    for key, words in METRICS.items():
        if key in comparison.arms[0].means:
            rows[words] = [percent(a.means[key]) for a in comparison.arms]
    if extra:
        rows["likes per 100 views"] = [f"{a.likes_per_100_views:.1f}" for a in comparison.arms]
        rows["clips made"] = [f"{a.clips:,.0f}" for a in comparison.arms]
        rows["follows at the end"] = [f"{a.follows:,.0f}" for a in comparison.arms]
    columns = [policy_words(a.policy) + (" (control)" if i == 0 else "") for i, a in enumerate(comparison.arms)]
    st.table(pd.DataFrame(rows, index=columns).T)


def percent(share: float) -> str:
    return "—" if share != share else f"{100 * share:.1f} %"


st.title("Experiments")
st.write("Try ranking policies on a simulated population before real people see them, then read the "
         "experiments running in the app. Every figure is a mean over viewers: each viewer counts once, "
         "however much they watched.")

st.subheader("Simulated A/B")
with st.form("simulated_ab"):
    left, right = st.columns(2)
    users = left.number_input("Population (people)", MIN_USERS, MAX_USERS, 1000, step=50, key="ab_users",
                              help="Everyone gets the same interests and friends in every arm.")
    days = right.number_input("Days", MIN_DAYS, MAX_DAYS, 7, key="ab_days")
    policies = st.multiselect("Policies: the first is the control, each other is compared with it", list(POLICIES),
                              default=["connection_first", "popularity"], format_func=policy_words, key="ab_policies")
    seed = st.number_input("Seed", 0, 2**31 - 1, 1, key="ab_seed",
                           help="The same seed gives the same people, the same friends and the same result.")
    submitted = st.form_submit_button("Run the A/B", icon=":material/science:", type="primary", key="ab_run")
if submitted:
    bar = st.progress(0.0, text="Starting…")
    try:
        st.session_state[RESULT] = simulated_ab(users, days, policies, seed,
                                                progress=lambda fraction, message: bar.progress(fraction, text=message))
    except WorkbenchError as error:
        show_error(error)
    bar.empty()

result = st.session_state.get(RESULT)
if result is not None:
    arms = result.arms
    st.markdown(f"**{policy_words(result.control).capitalize()} (control) vs "
                f"{', '.join(policy_words(p) for p in result.policies[1:])}**: {result.users:,} people, "
                f"{result.days} {'day' if result.days == 1 else 'days'}, seed {result.seed}; "
                f"{arms[0].viewers:,} of them watched something.")
    arm_table(result, extra=True)
    st.caption("Likes, clips and follows are the run's totals, without an interval.")
    difference_lines(result.differences)
    st.caption("Points are percentage points. The 95 % interval comes from resampling viewers (bootstrap); "
               "a difference is real when its interval leaves out 0. "
               + " ".join(f"*{METRICS[k].capitalize()}*: {METRIC_HELP[k]}." for k in METRICS))
    chart = result.differences_table()
    chart["label"] = chart["metric"] + (" · " + chart["arm"] if len(arms) > 2 else "")
    chart["plus"] = chart["high_points"] - chart["difference_points"]
    chart["minus"] = chart["difference_points"] - chart["low_points"]
    chart["verdict"] = [{None: "could be no difference", True: "better", False: "worse"}[d.better]
                        for d in result.differences]
    forest = px.scatter(chart, x="difference_points", y="label", error_x="plus", error_x_minus="minus",
                        color="verdict", category_orders={"label": list(chart["label"])},
                        color_discrete_map={"better": "#2e9e44", "worse": "#d6403a", "could be no difference": "#999999"},
                        hover_data={"low_points": ":.1f", "high_points": ":.1f", "plus": False, "minus": False},
                        labels={"difference_points": f"difference to {policy_words(result.control)} (points)",
                                "label": "", "low_points": "interval from", "high_points": "interval to"})
    forest.add_vline(x=0, line_dash="dot", line_color="#666")
    forest.update_layout(legend_title_text="", legend=dict(orientation="h", y=-0.25), margin=dict(t=10))
    st.markdown(f"**Each policy minus {policy_words(result.control)}**, with 95 % intervals")
    st.plotly_chart(forest, width="stretch")
    daily = result.daily.assign(policy=result.daily["policy"].map(policy_words))
    trend = px.line(daily, x="day", y="completion_rate", color="policy", markers=True,
                    title="Completion rate per day, by policy", labels={"completion_rate": "completion rate"})
    trend.update_layout(legend_title_text="", legend=dict(orientation="h", y=-0.25))
    st.plotly_chart(trend.update_yaxes(tickformat=".0%").update_xaxes(dtick=1), width="stretch")
    st.download_button("Download the differences (CSV)", result.differences_table().to_csv(index=False),
                       f"simulated_ab_seed{result.seed}.csv", "text/csv", icon=":material/download:")

st.subheader("Live experiments")
st.caption("While an experiment runs, each person who has not chosen a policy gets one of its arms, fixed "
           "for the experiment's life; teens keep their own feed. The first arm is the control.")
experiments = wb.feed.experiments()
if not experiments:
    st.info("No ranking experiment has run yet.", icon=":material/info:")
for experiment in reversed(experiments):  # the newest first
    when = (f"running since {experiment.started_at:%Y-%m-%d %H:%M} UTC" if experiment.stopped_at is None else
            f"{experiment.started_at:%Y-%m-%d} to {experiment.stopped_at:%Y-%m-%d}")
    with st.expander(f"{experiment.name} · {' vs '.join(map(policy_words, experiment.arms))} · {when}",
                     expanded=experiment.stopped_at is None):
        if actor.role != Role.ADMIN:
            st.caption("Each arm's figures come from everyone's watch telemetry: admins read them.")
            continue
        try:
            views = wb.analytics.experiment_views(actor.handle, experiment.name)
        except WorkbenchError as error:
            show_error(error)
            continue
        if not len(views):
            st.caption("No views from this experiment's feeds yet.")
            continue
        comparison = live_comparison(views, experiment.arms)
        arm_table(comparison, extra=False)
        difference_lines(comparison.differences)
