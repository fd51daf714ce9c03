"""Moderation (reviewers only): claim a case, see what a decision needs with the media blurred until
you choose to look, decide in one click; the team's backlog and time to decision; the audit log
for admins."""
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
from workbench.safety.evidence import REPORT_REASONS
from workbench.safety.moderation import ACTIONS, ENROLLMENT_ACTIONS, decision_label

#: decisions that take a clip down or act on a person, with what the confirmation says they do
DESTRUCTIVE = {
    "remove": "The clip leaves every feed and search at once and its hashes join the re-upload list; for a "
              "held cameo, the cameo is rejected. The creator may appeal once.",
    "hold_characters": "The clip leaves every feed, and its character cameos are held until a reviewer "
                       "verifies them again.",
    "suspend": "The clip leaves every feed and its creator is suspended: all their clips leave the feeds "
               "until an appeal succeeds.",
}

wb, actor = require_actor()

st.title("Moderation")
# every service call below checks the role too; this one stops the page for anyone else
board = result_or_stop(wb.moderation.dashboard, actor.handle)
mine_today = board.exposure_today.get(actor.handle, {}).get("clips", 0)
st.caption(f"Media stays blurred and greyscale until you reveal it. You revealed {mine_today} "
           f"clip{'s' if mine_today != 1 else ''} today.")


def evidence(case) -> list[str]:
    """What opened the case, one line per signal."""
    found = case.evidence
    lines = [f"Report: {REPORT_REASONS[r.reason][0]} (by @{r.reporter})" + (" — their own likeness" if r.own_likeness else "")
             for r in found.reports]
    lines += [f"Scan: {hit.detail}" + (f" (uploaded by @{hit.uploader})" if hit.uploader else "") for hit in found.scan]
    if found.deepfake is not None:
        lines.append("Deepfake detectors, P(manipulated or generated): "
                     + ", ".join(f"{name} {score:.2f}" for name, score in found.deepfake.scores.items())
                     + f" (over {found.deepfake.frames} frames; trained on synthetic data, a hint only)")
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
    return lines


def show_media(case, detail) -> None:
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
                 help="Shows the clip as it is; counted in your exposure today."):
        try:
            revealed[case.id] = wb.moderation.reveal(actor.handle, case.id).media_file
        except WorkbenchError as error:
            show_error(error)
        else:
            st.rerun()


def show_case(case) -> None:
    detail = result_or_stop(wb.moderation.case, actor.handle, case.id)
    label_of = partial(decision_label, about_cameo=case.video_id is None)  # a held cameo's case has no clip
    st.subheader(f"Case #{case.id} · {case.source} · severity {case.severity:.2f}")
    lease = f"You hold it until {case.lease_expires_at:%H:%M} UTC." if case.lease_expires_at else ""
    st.caption(f"{case.tier.capitalize()} tier. Opened {case.opened_at:%Y-%m-%d %H:%M} UTC. {lease}")
    for line in evidence(case):
        st.markdown(f"- {line}")
    for report in detail.reports:
        if report.details:
            st.markdown(f"> @{report.reporter}: {report.details}")
    media, facts = st.columns([2, 3])
    with media:
        show_media(case, detail)
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
                    f"@{c.handle} (owner @{c.owner}, {'granted' if c.granted else 'NOT granted'})" for c in detail.cameos))
            credentials = detail.provenance or {}
            state = credentials.get("state")
            author = str(credentials.get("author") or "").lstrip("@")
            signer = {"Valid": f" · claims @{author}, signed by a key not trusted here",
                      "Trusted": f" · made by @{author}, signed by this platform"}
            st.markdown(f"**Content Credentials**: {state or 'none'}"
                        + (" · AI-generated" if credentials.get("ai_generated") else "")
                        + (signer.get(state, "") if author else ""))
        if detail.appeal_of is not None:
            st.markdown(f"**Appeals case #{detail.appeal_of.id}**, decided “{label_of(detail.appeal_of.decision)}” "
                        f"by @{detail.appeal_of.decided_by}")
    with st.expander(f"History ({len(detail.history)})"):
        for entry in detail.history:
            st.markdown(f"{entry.created_at:%H:%M:%S} · @{entry.actor} · {entry.action}")

    actions = ENROLLMENT_ACTIONS if case.video_id is None else tuple(
        action for action in ACTIONS if action != "hold_characters" or any(c.kind == "character" for c in detail.cameos))
    # the harmless decisions first; those that take something down or suspend someone ask first
    reason = st.text_area("Reason", max_chars=1000, placeholder="What the creator and reporters will read",
                          key=f"reason_{case.id}")
    columns = st.columns(4)
    for index, action in enumerate(sorted(actions, key=lambda a: a in DESTRUCTIVE)):
        column = columns[index % 4]
        if action in DESTRUCTIVE:
            confirm_first(label_of(action), label_of(action), wb.moderation.decide, actor.handle, case.id, action,
                          reason, key=f"{action}_{case.id}", where=column, message=DESTRUCTIVE[action],
                          done=f"Case #{case.id} decided: {label_of(action)}")
        elif column.button(label_of(action), key=f"{action}_{case.id}", width="stretch"):
            attempt(wb.moderation.decide, actor.handle, case.id, action, reason,
                    done=f"Case #{case.id} decided: {label_of(action)}")
    if st.button("Release undecided", icon=":material/undo:"):
        attempt(wb.moderation.release, actor.handle, case.id, done=f"Case #{case.id} released to the queue")


queue_tab, dashboard_tab, *admin_tabs = st.tabs(["Queue", "Dashboard"] + (["Audit log"] if actor.role == Role.ADMIN else []))

with queue_tab:
    cases = result_or_stop(wb.moderation.queue, actor.handle)
    held = next((c for c in cases if c.claimed_by == actor.handle), None)
    if held is not None:
        show_case(held)
    elif st.button("Claim the next case", type="primary", icon=":material/front_hand:"):
        try:
            claimed = wb.moderation.claim(actor.handle)
        except WorkbenchError as error:
            show_error(error)
        else:
            if claimed is None:
                st.success("Nothing left for you to claim.")
            else:
                st.rerun()
    st.subheader(f"Queue · {len(cases)} undecided")
    if cases:
        st.dataframe(pd.DataFrame([{
            "case": c.id, "clip": c.video_id, "severity": c.severity, "source": c.source, "status": c.status,
            "held by": c.claimed_by or "", "evidence": "; ".join(evidence(c)), "opened": c.opened_at,
        } for c in cases]), hide_index=True, width="stretch")
    else:
        st.success("The queue is empty.")

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
        st.plotly_chart(px.bar(decisions, x="decision", y="cases", title="Decisions, last 7 days"))
    st.markdown("**Exposure today** (clips revealed, by what they were reported or flagged for)")
    if board.exposure_today:
        st.dataframe(pd.DataFrame(board.exposure_today).T.fillna(0).astype(int), width="stretch")
    else:
        st.caption("No media revealed today.")

if admin_tabs:
    with admin_tabs[0]:
        prefix = st.text_input("Action starts with", value="case.", help="e.g. case., report., video., cameo.")
        entries = result_or_stop(wb.moderation.audit_log, actor.handle, action=prefix or None, limit=500)
        st.dataframe(pd.DataFrame([{
            "when": e.created_at, "who": e.actor, "action": e.action, "target": f"{e.target_type} #{e.target_id}",
            "details": json.dumps(e.details, sort_keys=True),
        } for e in entries]), hide_index=True, width="stretch")
