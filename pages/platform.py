"""Platform (admins only): the whole platform over time, the transparency report to publish, and the
prompt policy's rule sets, each drafted, backtested and run in shadow before it acts."""
import json

import pandas as pd
import plotly.express as px
import streamlit as st

from pages.common import attempt, confirm_first, require_actor, result_or_stop
from workbench.safety.transparency import transparency_csv

#: the report's columns in words
WORDS = {"cameo_clips": "clips with cameos", "completion_rate": "completion rate", "rewatch_rate": "rewatch rate"}
EXAMPLE_RULES = {"themes": {"gambling": "block"},
                 "theme_words": {"gambling": ["casino", "poker chips", "slot machine"]}}

wb, actor = require_actor()

st.title("Platform")
platform = result_or_stop(wb.analytics.platform_report, actor.handle)
report = result_or_stop(wb.moderation.transparency, actor.handle)
overview, transparency_tab, rules_tab = st.tabs(["Overview", "Transparency report", "Policy rules"])

with overview:
    daily = platform.daily
    row = st.columns(4)
    row[0].metric("Clips published", int(daily["clips"].sum()) if len(daily) else 0)
    row[1].metric("Views", int(daily["views"].sum()) if len(daily) else 0)
    row[2].metric("Slop exposure", "—" if pd.isna(platform.slop_exposure) else f"{platform.slop_exposure:.0%}",
                  help="Mean over viewers of the share of their views from people they do not follow.")
    row[3].metric("Appeals overturned", "—" if report["appeal_overturn_rate"] is None
                  else f"{report['appeal_overturn_rate']:.0%}")
    if len(daily):
        named = daily.rename(columns=WORDS)
        counts = px.line(named, x="day", y=["clips", "views", "clips with cameos"], markers=True,
                         title="Clips, views and clips with cameos, per day", labels={"value": "count"})
        st.plotly_chart(counts.update_layout(legend_title_text=""), width="stretch")
        moderation = px.bar(named, x="day", y=["reports", "decisions"], barmode="group",
                            title="Reports and decisions, per day", labels={"value": "count"})
        st.plotly_chart(moderation.update_layout(legend_title_text="").update_yaxes(tickformat="d"), width="stretch")
        if "completion rate" in named:
            rates = px.line(named, x="day", y=["completion rate", "rewatch rate"], markers=True,
                            title="Completion and rewatch rates, per day", labels={"value": "share of views"})
            st.plotly_chart(rates.update_layout(legend_title_text="").update_yaxes(tickformat=".0%"),
                            width="stretch")
    depth = px.bar(platform.remix_depth, x="depth", y="clips", title="Published clips by remix depth")
    st.plotly_chart(depth.update_xaxes(dtick=1).update_yaxes(tickformat="d"), width="stretch")
    st.markdown("**By feed policy** (experiment arms; views not from a feed apart)")
    st.dataframe(platform.by_feed_policy, hide_index=True, width="stretch")

with transparency_tab:
    st.write("What moderation decided, in the figures platforms publish under rules such as the EU's "
             "Digital Services Act. Quality reviews inside the team are not counted as decisions.")
    row = st.columns(3)
    row[0].metric("Decisions", report["decisions"])
    row[1].metric("Appeals decided", report["appeals"]["decided"])
    row[2].metric("Median time to decision", "—" if report["median_hours_to_decision"] is None
                  else f"{report['median_hours_to_decision']:.1f} h")
    if report["decisions_by_category_and_action"]:
        st.dataframe(pd.DataFrame(report["decisions_by_category_and_action"]), hide_index=True, width="stretch")
    appeals = report["appeals"]
    st.markdown(f"**Appeals**: {appeals['filed']} filed, {appeals['decided']} decided ({appeals['upheld']} upheld, "
                f"{appeals['overturned']} overturned), {appeals['pending']} pending. Period: "
                f"{report['period']['from'][:16].replace('T', ' ')} to {report['period']['until'][:16].replace('T', ' ')} UTC.")
    left, right = st.columns(2)
    left.download_button("Download (CSV)", transparency_csv(report), "transparency_report.csv", "text/csv",
                         icon=":material/download:")
    right.download_button("Download (JSON)", json.dumps(report, indent=2, sort_keys=True),
                          "transparency_report.json", "application/json", icon=":material/download:")

with rules_tab:
    st.write("A rule set changes the prompt policy's editable parts: themes that block or send to review "
             "(with words for a new theme), thresholds, registry entries, public figures. A draft is written "
             "over the active set; backtest it, run it in shadow (decided beside the active set, acting on "
             "nothing), then activate or discard it.")
    rule_sets = result_or_stop(wb.rule_sets.rule_sets, actor.handle)
    with st.form("draft_rules"):
        changes = st.text_area("Changes (JSON)", json.dumps(EXAMPLE_RULES, indent=2), height=160)
        note = st.text_input("Why (required)", placeholder="What the change is for: kept with it and in the audit log")
        if st.form_submit_button("Draft a rule set", icon=":material/edit_note:"):
            try:
                parsed = json.loads(changes)
            except json.JSONDecodeError as error:
                st.error(f"The changes are not JSON: {error}")
            else:
                attempt(wb.rule_sets.draft, actor.handle, parsed, note, done="Rule set drafted")
    for rule_set in rule_sets:
        with st.expander(f"Rule set #{rule_set.id} · {rule_set.status} · by @{rule_set.created_by}"
                         + (f" · {rule_set.note}" if rule_set.note else ""), expanded=rule_set.status in ("draft", "shadow")):
            st.json(rule_set.changes, expanded=True)
            if rule_set.backtest:
                logged = rule_set.backtest["logged"]
                st.markdown(f"**Backtest**: {logged['changed']} of {logged['checked']} logged prompts would be "
                            f"decided differently: {logged['by_transition'] or 'none'}")
                for category, examples in logged["examples"].items():
                    st.caption(f"{category}: " + "; ".join(f"“{e['prompt']}” ({e['active']} → {e['draft']})"
                                                           for e in examples))
                for name, labelled in rule_set.backtest["labelled"].items():
                    st.caption(f"Labelled set {name}: {labelled['changed']} of {labelled['checked']} change; "
                               f"block recall {labelled['active_scores']['block_recall']:.3f} → "
                               f"{labelled['draft_scores']['block_recall']:.3f}, false blocks "
                               f"{labelled['active_scores']['false_block_rate']:.3f} → "
                               f"{labelled['draft_scores']['false_block_rate']:.3f}")
            if rule_set.status == "shadow":
                shadow = result_or_stop(wb.rule_sets.shadow_report, actor.handle, rule_set.id)
                st.markdown(f"**In shadow since {rule_set.shadow_since:%Y-%m-%d %H:%M} UTC**: {shadow['changed']} of "
                            f"{shadow['checked']} live prompts decided differently: {shadow['by_transition'] or 'none'}")
            if rule_set.status in ("draft", "shadow"):
                row = st.columns(4)
                if row[0].button("Backtest", key=f"backtest_{rule_set.id}", width="stretch"):
                    with st.spinner("Deciding every logged prompt and the labelled set twice…"):
                        attempt(wb.rule_sets.backtest, actor.handle, rule_set.id, done="Backtest done")
                if rule_set.status == "draft" and row[1].button("Run in shadow", key=f"shadow_{rule_set.id}",
                                                                width="stretch"):
                    attempt(wb.rule_sets.shadow, actor.handle, rule_set.id, done="Running in shadow")
                confirm_first("Activate", f"Activate rule set #{rule_set.id}", wb.rule_sets.activate, actor.handle,
                              rule_set.id, key=f"activate_{rule_set.id}", where=row[2], width="stretch",
                              message="From now on this rule set decides every prompt; the active one retires.",
                              done=f"Rule set #{rule_set.id} is active")
                if row[3].button("Discard", key=f"discard_{rule_set.id}", width="stretch"):
                    attempt(wb.rule_sets.discard, actor.handle, rule_set.id, done=f"Rule set #{rule_set.id} discarded")
