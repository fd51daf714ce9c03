"""Moderation (reviewers only): claim a case (or open one from the queue), check its evidence (the
face found beside the enrolled one, the frames of both clips of a hash match, the Content Credentials,
what a deepfake score is worth) with the media blurred until you choose to look, and decide with a
key; search every case; the team's backlog, time to decision and agreement; the audit log for admins.

Keys: N claims the next case, V reveals the clip, K keeps, A labels as AI, S as satire, G age-restricts,
E escalates, L releases; D (remove), H (hold characters), U (remove and suspend), Shift+U (suspend the
account) ask first. (Streamlit keeps C and R for itself.)"""
import json
from functools import partial

import pandas as pd
import plotly.express as px
import streamlit as st

from pages.common import (
    attempt,
    confirm_first,
    require_actor,
    result_or_stop,
    show_error,
)
from workbench import Role, WorkbenchError
from workbench.safety.evidence import REPORT_REASONS, SCAN_SEVERITY
from workbench.safety.moderation import (
    ACTIONS,
    ENROLLMENT_ACTIONS,
    ON_A_CAMEO,
    decision_label,
)

#: each decision's key
SHORTCUTS = {"keep": "K", "label_ai": "A", "label_satire": "S", "age_restrict": "G", "escalate": "E",
             "remove": "D", "hold_characters": "H", "suspend": "U", "suspend_account": "Shift+U"}
#: decisions that take a clip down or act on a person or cameo, with what the confirmation says they do
DESTRUCTIVE = {
    "remove": "The clip leaves every feed and search at once and its hashes join the re-upload list; for a "
              "held cameo, the cameo is rejected. The creator may appeal once.",
    "hold_characters": "The clip leaves every feed, and its character cameos are held until a reviewer "
                       "verifies them again.",
    "suspend": "The clip leaves every feed and its creator is suspended: all their clips leave the feeds "
               "until an appeal succeeds.",
    "suspend_account": "The creator is suspended: all their clips leave the feeds until an appeal succeeds. "
                       "This clip is not removed by itself.",
    "suspend_cameo": "Nobody can use the cameo until an appeal by its owner succeeds; clips already made stay.",
    "reverify_cameo": "A person's cameo goes back to enrollment (its owner passes the liveness check again); a "
                      "character is held until a reviewer verifies it again.",
}
CATEGORIES = sorted({*REPORT_REASONS, *SCAN_SEVERITY})

wb, actor = require_actor()

st.title("Moderation")
# every service call below checks the role too; this one stops the page for anyone else
board = result_or_stop(wb.moderation.dashboard, actor.handle)
mine_today = board.exposure_today.get(actor.handle, {}).get("clips", 0)
st.caption(f"Clips stay blurred and greyscale until you reveal them (faces to compare are shown). You revealed {mine_today} "
           f"clip{'s' if mine_today != 1 else ''} today. Keys: N next case, V reveal, K keep, D remove, E escalate, "
           "L release.")


def evidence(case) -> list[str]:
    """What opened the case, one line per signal."""
    found = case.evidence
    lines = [f"Report: {REPORT_REASONS[r.reason][0]} (by @{r.reporter})" + (" — their own likeness" if r.own_likeness else "")
             for r in found.reports]
    lines += [f"Scan: {hit.detail}" + (f" (uploaded by @{hit.uploader})" if hit.uploader else "") for hit in found.scan]
    if found.deepfake is not None:
        measured = found.deepfake.unseen_auc
        lines.append("Deepfake detection, P(manipulated): " + ", ".join(
            f"{name} {score:.2f}" + (f" (AUC {measured[name]:.2f} on manipulations it never saw)" if name in measured else "")
            for name, score in found.deepfake.scores.items())
            + f". Over {found.deepfake.frames} frames; every clip here is generated, so a high score is a hint, "
              "not a finding (AUC 0.5 is chance, 1.0 a perfect ranking)")
    if found.enrollment is not None and found.enrollment.public_figure:
        lines.append(f"Enrollment of @{found.enrollment.cameo}: the face matches {found.enrollment.public_figure} "
                     f"(distance {found.enrollment.face_distance})")
    elif found.enrollment is not None:
        lines.append(f"Character @{found.enrollment.cameo}: {found.enrollment.detail}")
    if found.appeal is not None:
        appeal = found.appeal
        lines.append(f"Appeal by @{appeal.by} against “{ACTIONS[appeal.decision]}” ({appeal.reason}): "
                     f"“{appeal.statement}”")
    lines += [f"Escalated by @{e.by}: {e.reason}" for e in found.escalations]
    if found.qa is not None:
        lines.append(f"Quality review of case #{found.qa.of_case}: @{found.qa.first_by} decided "
                     f"“{ACTIONS[found.qa.first_decision]}”, @{found.qa.second_by} “{ACTIONS[found.qa.second_decision]}”. "
                     "Your decision stands; where it differs from the first, it replaces it.")
    return lines


def show_faces(case) -> None:
    """Each face hit: the face the clip shows beside the enrolled face, with the numbers to check."""
    for compared in result_or_stop(wb.moderation.compare_faces, actor.handle, case.id):
        found, enrolled = st.columns(2)
        if compared.found:
            found.image(compared.found, caption="The face in the clip", width=180)
        if compared.reference:
            enrolled.image(compared.reference, caption=f"Enrolled: {compared.identity}", width=180)
        numbers = f"Distance **{compared.distance}**"
        if compared.threshold is not None:
            numbers += (f", threshold **{compared.threshold}** (same person at or under it: "
                        f"{'yes' if compared.distance <= compared.threshold else 'no'})")
        if compared.margin is not None:
            numbers += f", margin to the next identity **{compared.margin}**" + (" — a near tie" if compared.margin < 0.05 else "")
        st.markdown(numbers)


def show_frames(case) -> None:
    """Each hash hit: the nearest frames of the two clips side by side, with their Hamming distance."""
    for compared in result_or_stop(wb.moderation.compare_frames, actor.handle, case.id):
        this, other = st.columns(2)
        this.image(compared.this_frame, caption=compared.this_label, width=200)
        other.image(compared.other_frame, caption=f"Clip #{compared.other_clip}"
                    + (", removed" if compared.kind == "reupload_of_removed" else ", published"), width=200)
        st.markdown(f"Nearest frames differ by **{compared.distance}** of 256 bits"
                    + (f" (after undoing {compared.transform.replace('_', ' ')})" if compared.transform != "none" else "")
                    + (f"; {compared.fraction:.0%} of the clip's frames match" if compared.fraction is not None else "")
                    + ("" if compared.sharp else ". Blurred until you reveal the clip."))


def show_credentials(credentials: dict) -> None:
    """The Content Credentials as a chain: who signed, what was done, what it was made from."""
    state = credentials.get("state")
    trust = {"Trusted": "signed by this platform", "Valid": "intact, but signed by a key not trusted here",
             "Invalid": "tampered or unreadable", None: "none"}.get(state, state)
    lines = [f"**Content Credentials**: {trust}"]
    if credentials.get("manifest"):
        lines.append(f"creator {credentials.get('author') or 'not stated'} · tool {credentials.get('tool') or '?'}"
                     f" · signer {credentials.get('signer') or '?'}")
        for action in credentials.get("actions", []):
            lines.append(f"action {action['action']}" + (" (AI-generated)" if action.get("ai_generated") else "")
                         + (f" by {action['software']}" if action.get("software") else ""))
        for ingredient in credentials.get("ingredients", []):
            lines.append(f"made from {ingredient.get('title') or 'a file'} ({ingredient.get('relationship')}"
                         + (", with credentials of its own" if ingredient.get("has_credentials") else "") + ")")
    if credentials.get("errors") and state is not None:
        lines.append("problems: " + ", ".join(credentials["errors"]))
    st.markdown("  \n".join(lines))


def show_media(case, detail, *, deciding: bool) -> None:
    if detail.cameo_reference is not None:
        st.image(str(detail.cameo_reference), caption=f"The face enrolled as @{case.evidence.enrollment.cameo if case.evidence.enrollment else '?'}",
                 width=200)
        return
    revealed = st.session_state.setdefault("revealed_cases", {})
    if case.id in revealed:
        st.video(str(revealed[case.id]), autoplay=True, muted=True, loop=True, width=260)
        return
    preview = result_or_stop(wb.moderation.preview, actor.handle, case.id)
    if preview is None:
        st.info("No clip: this case is about a cameo enrollment.")
        return
    st.image(preview, caption="Blurred, greyscale preview", width=260)
    if st.button("Reveal the clip", icon=":material/visibility:", key=f"reveal_{case.id}",
                 shortcut="V" if deciding else None,
                 help="Shows the clip as it is; counted in your exposure today."):
        try:
            revealed[case.id] = wb.moderation.reveal(actor.handle, case.id).media_file
        except WorkbenchError as error:
            show_error(error)
        else:
            st.rerun()


def show_case(case, *, deciding: bool) -> None:
    try:
        detail = wb.moderation.case(actor.handle, case.id)
    except WorkbenchError as error:  # e.g. a decision still under blind review: the rest of the page goes on
        show_error(error)
        return
    label_of = partial(decision_label, about_cameo=case.video_id is None)  # a held cameo's case has no clip
    kind = kind_of(case).capitalize()
    st.subheader(f"Case #{case.id} · {kind} · severity {case.severity:.2f}")
    if detail.blind:
        st.info("A blind second look: decide as if you were first. The first decision, and what it did to the "
                "clip, stay hidden until you have decided; your decision acts on nothing unless an admin settles "
                "a disagreement.", icon=":material/visibility_off:")
    lease = f"You hold it until {case.lease_expires_at:%H:%M} UTC." if deciding and case.lease_expires_at else ""
    decided = (f"Decided “{label_of(case.decision)}” by @{case.decided_by}: {case.decision_reason}"
               if case.decision else "")
    st.caption(f"{case.tier.capitalize()} tier. Opened {case.opened_at:%Y-%m-%d %H:%M} UTC. {lease} {decided}")
    for line in evidence(case):
        st.markdown(f"- {line}")
    for report in detail.reports:
        if report.details:
            st.markdown(f"> @{report.reporter}: {report.details}")
    show_faces(case)
    show_frames(case)
    media, facts = st.columns([2, 3])
    with media:
        show_media(case, detail, deciding=deciding)
    with facts:
        if detail.video is not None:
            clip = detail.video
            st.markdown(f"**Clip #{clip.id}** by @{clip.author} · {clip.status}"
                        + (f" · held: {clip.held_reason}" if clip.held_reason else ""))
            st.write(clip.caption)
            st.caption(f"Prompt: {clip.prompt}")
            if len(detail.lineage) > 1:
                st.markdown("**Lineage**: " + " → ".join(f"#{v.id} @{v.author}" for v in detail.lineage))
            if detail.remixes:
                st.markdown("**Remixed by**: " + ", ".join(f"#{v.id} @{v.author}" for v in detail.remixes))
            if detail.cameos:
                st.markdown("**Cameos**: " + ", ".join(
                    f"@{c.handle} ({c.kind}, owner @{c.owner}, {c.status}, "
                    f"{'granted' if c.granted else 'NOT granted'})" for c in detail.cameos))
            show_credentials(detail.provenance or {})
        if detail.appeal_of is not None:
            st.markdown(f"**Appeals case #{detail.appeal_of.id}**, decided “{label_of(detail.appeal_of.decision)}” "
                        f"by @{detail.appeal_of.decided_by}")
    with st.expander(f"History ({len(detail.history)})"):
        for entry in detail.history:
            st.markdown(f"{entry.created_at:%H:%M:%S} · @{entry.actor} · {entry.action}")
    if deciding:
        decide(case, detail, label_of)


def decide(case, detail, label_of) -> None:
    """The decisions: the harmless ones first; those that take something down or act on a person or
    cameo ask first. On a clip's case, the cameo actions name one of its cameos."""
    actions = ENROLLMENT_ACTIONS if case.video_id is None else tuple(
        action for action in ACTIONS if action not in ON_A_CAMEO
        and (action != "hold_characters" or any(c.kind == "character" for c in detail.cameos)))
    if case.qa_of_id:
        actions = tuple(action for action in actions if action != "escalate")
    reason = st.text_area("Reason", max_chars=1000, placeholder="What the creator and reporters will read",
                          key=f"reason_{case.id}")
    harmless = [action for action in actions if action not in DESTRUCTIVE]
    # two wide columns (every label whole, so "remove" and "remove and suspend" differ), harmless ones in
    # a group of their own so that they stay first when a phone stacks the columns
    slots = [*zip(harmless, st.columns(2) * len(harmless))]
    strong = [action for action in actions if action in DESTRUCTIVE]
    if strong:
        st.caption("These take something down or act on a person, and ask first:")
        slots += zip(strong, st.columns(2) * len(strong))
    for action, column in slots:
        if action in DESTRUCTIVE:
            confirm_first(label_of(action), label_of(action), wb.moderation.decide, actor.handle, case.id, action,
                          reason, key=f"{action}_{case.id}", where=column, message=DESTRUCTIVE[action],
                          done=f"Case #{case.id} decided: {label_of(action)}", shortcut=SHORTCUTS.get(action),
                          width="stretch")
        elif column.button(label_of(action), key=f"{action}_{case.id}", width="stretch",
                           shortcut=SHORTCUTS.get(action)):
            attempt(wb.moderation.decide, actor.handle, case.id, action, reason,
                    done=f"Case #{case.id} decided: {label_of(action)}")
    if case.video_id is not None and detail.cameos:
        st.markdown("**On a cameo in the clip**")
        chosen, *buttons = st.columns([1, 1, 1.4])
        handle = chosen.selectbox("Cameo", [c.handle for c in detail.cameos], key=f"cameo_{case.id}",
                                  label_visibility="collapsed", format_func=lambda h: f"@{h}")
        for column, action in zip(buttons, ON_A_CAMEO):
            confirm_first(ACTIONS[action].replace("a cameo in the clip", f"@{handle}"), ACTIONS[action],
                          wb.moderation.decide, actor.handle, case.id, action, reason, cameo=handle,
                          key=f"{action}_{case.id}", where=column, message=DESTRUCTIVE[action],
                          done=f"Case #{case.id} decided: {ACTIONS[action]} (@{handle})", width="stretch")
    if st.button("Release undecided", icon=":material/undo:", shortcut="L"):
        attempt(wb.moderation.release, actor.handle, case.id, done=f"Case #{case.id} released to the queue")


def search_filters() -> dict:
    """The queue's search: each filter the service takes, empty ones left out."""
    with st.expander("Search cases", icon=":material/search:"):
        row = st.columns(4)
        clip = row[0].number_input("Clip", min_value=1, value=None, step=1, key="filter_clip")
        creator = row[1].text_input("Creator", key="filter_creator", placeholder="@handle").strip().lstrip("@")
        owner = row[2].text_input("Cameo owner", key="filter_owner", placeholder="@handle").strip().lstrip("@")
        age = row[3].number_input("Older than (hours)", min_value=0.0, value=None, key="filter_age")
        row = st.columns(3)
        category = row[0].selectbox("Category", CATEGORIES, index=None, key="filter_category",
                                    format_func=lambda c: c.replace("_", " "))
        source = row[1].selectbox("Source", ["report", "scan", "enrollment", "appeal"], index=None, key="filter_source")
        status = row[2].selectbox("Status", ["open", "claimed", "decided"], index=None, key="filter_status",
                                  placeholder="undecided")
    filters = {"clip": clip, "creator": creator, "cameo_owner": owner, "min_age_hours": age, "category": category,
               "source": source, "status": status}
    return {name: value for name, value in filters.items() if value not in (None, "")}


def kind_of(case) -> str:
    """Where the case came from, in words: a quality review still blind, or one whose two reviewers
    disagreed (an admin settles it)."""
    if case.qa_of_id:
        return "disagreement to settle" if case.evidence.qa is not None else "quality review"
    return case.source


def open_row() -> None:
    """A queue row was picked: claim its case if it is undecided and you hold none, else show it as it
    is. Done once, in the selection's callback (a selection kept across reruns would act again on
    whatever case then sits in that row); the table is drawn anew (a new key) without a selection."""
    picks = st.session_state.get("queue_picks", 0)
    rows = st.session_state[f"queue_rows_{picks}"].selection.rows
    st.session_state["queue_picks"] = picks + 1
    st.session_state.pop("opened_case", None)
    if not rows:
        return
    case_id = st.session_state["queue_ids"][rows[0]]
    try:
        claimed = wb.moderation.claim(actor.handle, case_id)
    except WorkbenchError:  # decided, held by someone else, or you hold another: show it as it is
        st.session_state["opened_case"] = case_id
    else:
        st.session_state["done"] = f"Case #{claimed.id} claimed"


queue_tab, dashboard_tab, *admin_tabs = st.tabs(["Queue", "Dashboard"] + (["Audit log"] if actor.role == Role.ADMIN else []))

with queue_tab:
    filters = search_filters()
    cases = result_or_stop(wb.moderation.queue, actor.handle, **filters)
    held = next((c for c in result_or_stop(wb.moderation.queue, actor.handle, status="claimed")
                 if c.claimed_by == actor.handle), None)
    if held is not None:
        show_case(held, deciding=True)
    elif st.button("Claim the next case", type="primary", icon=":material/front_hand:", shortcut="N"):
        try:
            claimed = wb.moderation.claim(actor.handle)
        except WorkbenchError as error:
            show_error(error)
        else:
            if claimed is None:
                st.success("Nothing left for you to claim.")
            else:
                st.rerun()
    searching = "status" in filters and filters["status"] == "decided"
    st.subheader(f"{'Decided cases' if searching else 'Queue'} · {len(cases)}"
                 + (" matching the search" if filters else " undecided"))
    if cases:
        st.session_state["queue_ids"] = [c.id for c in cases]
        picked = st.dataframe(pd.DataFrame([{
            "case": c.id, "clip": c.video_id, "severity": c.severity, "source": kind_of(c), "status": c.status,
            "held by": c.claimed_by or "", "decision": ACTIONS[c.decision] if c.decision else "",
            "evidence": "; ".join(evidence(c)), "opened": c.opened_at,
        } for c in cases]), hide_index=True, width="stretch", on_select=open_row, selection_mode="single-row",
            key=f"queue_rows_{st.session_state.get('queue_picks', 0)}",
            column_config={"evidence": st.column_config.TextColumn(width="large"),
                           "status": st.column_config.TextColumn(width="small"),
                           "decision": st.column_config.TextColumn(width="medium")})
        shown = next((c for c in cases if c.id == st.session_state.get("opened_case")), None)
        if shown is not None and (held is None or shown.id != held.id):
            st.divider()
            show_case(shown, deciding=False)
    else:
        st.success("Nothing matches the search." if filters else "The queue is empty.")

with dashboard_tab:
    row = st.columns(4)
    row[0].metric("Open", board.open)
    row[1].metric("Claimed", board.claimed)
    row[2].metric("Escalated", board.escalated)
    row[3].metric("Appeals", board.appeals)
    row = st.columns(4)
    row[0].metric("Oldest open", f"{board.oldest_open_hours:.1f} h" if board.oldest_open_hours is not None else "—")
    row[1].metric("Decided, 24 h", board.decided_last_24h)
    row[2].metric("Time to decision p50", f"{board.time_to_decision_p50_s / 60:.1f} min"
                  if board.time_to_decision_p50_s is not None else "—")
    row[3].metric("p90", f"{board.time_to_decision_p90_s / 60:.1f} min"
                  if board.time_to_decision_p90_s is not None else "—")
    if board.decisions_by_action:
        decisions = pd.DataFrame({"decision": [ACTIONS[a] for a in board.decisions_by_action],
                                  "cases": list(board.decisions_by_action.values())})
        chart = px.bar(decisions, x="decision", y="cases", title="Decisions, last 7 days")
        st.plotly_chart(chart.update_yaxes(tickformat="d", dtick=1 if max(board.decisions_by_action.values()) < 10
                                           else None))
    st.markdown("**Quality control**: a share of decided cases goes blind to a second reviewer. Agreement is "
                "the share decided alike; Cohen's kappa (1960) is agreement beyond chance: 1 perfect, 0 chance.")
    row = st.columns(4)
    row[0].metric("Blind reviews waiting", board.qa_pending)
    row[1].metric("To settle", board.qa_disagreements, help="Reviews whose two reviewers disagreed: an admin decides.")
    row[2].metric("Agreement", f"{board.agreement.raw:.0%}" if board.agreement else "—")
    row[3].metric("Cohen's kappa", f"{board.agreement.kappa:.2f}" if board.agreement and board.agreement.kappa is not None
                  else "—")

    def agreement_table(by: dict, name: str) -> pd.DataFrame:
        return pd.DataFrame([{name: key, "reviewed": a.items, "agreed": a.agreed, "agreement": round(a.raw, 3),
                              "kappa": a.kappa} for key, a in by.items()])

    if board.agreement_by_category:
        st.dataframe(agreement_table(board.agreement_by_category, "category"), hide_index=True, width="stretch")
    if board.agreement_by_reviewer:
        st.caption("Your reviewed decisions" if actor.role != Role.ADMIN else "By reviewer (first or second)")
        st.dataframe(agreement_table(board.agreement_by_reviewer, "reviewer"), hide_index=True, width="stretch")
    st.markdown("**Exposure today** (clips revealed, by what they were reported or flagged for)")
    if board.exposure_today:
        st.dataframe(pd.DataFrame(board.exposure_today).T.fillna(0).astype(int), width="stretch")
    else:
        st.caption("No media revealed today.")

if admin_tabs:
    with admin_tabs[0]:
        prefix = st.text_input("Action starts with", value="case.", help="e.g. case., qa., rule_set., report., video.")
        entries = result_or_stop(wb.moderation.audit_log, actor.handle, action=prefix or None, limit=500)
        st.dataframe(pd.DataFrame([{
            "when": e.created_at, "who": e.actor, "action": e.action, "target": f"{e.target_type} #{e.target_id}",
            "details": json.dumps(e.details, sort_keys=True),
        } for e in entries]), hide_index=True, width="stretch")
