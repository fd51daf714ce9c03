"""Rights: a rights holder's characters, marks and styles, whether they may be generated, a prompt
tester, and how often each entry blocked something."""
import pandas as pd
import streamlit as st

from pages.common import (
    attempt,
    confirm_first,
    require_actor,
    result_or_stop,
    show_error,
)
from workbench import WorkbenchError

wb, actor = require_actor()

st.title("Rights")
st.write("Register what you own. **Block** means it is never generated; **Rules** allows it unless a prompt "
         "puts it in one of the themes you list. Prompts are matched on the name and aliases (also misspelt, "
         "spaced out or disguised) and on the description (paraphrases).")

entries = result_or_stop(wb.rights.opt_outs, actor.handle)

if entries:
    st.dataframe(pd.DataFrame([{"#": e.id, "name": e.name, "aliases": ", ".join(e.aliases), "scope": e.scope,
                                "rules": e.rules, "blocked": e.blocks, "holder": f"@{e.holder}"}
                               for e in entries]), hide_index=True, width="stretch")
else:
    st.caption("No entries yet.")


def entry_form(key: str, entry=None) -> dict | None:
    """The fields of an entry; returns them when the form is submitted."""
    with st.form(key, clear_on_submit=entry is None):
        name = st.text_input("Name", value=entry.name if entry else "", max_chars=120)
        aliases = st.text_input("Aliases (comma separated)", value=", ".join(entry.aliases) if entry else "")
        description = st.text_area("Description (what it looks like)", value=entry.description if entry else "")
        scope = st.radio("Scope", ["block", "rules"], horizontal=True,
                         index=["block", "rules"].index(entry.scope) if entry else 0)
        rules = st.text_input("Rules: themes it must never be shown in (comma separated, for scope 'rules')",
                              value=entry.rules if entry else "")
        if st.form_submit_button("Save" if entry else "Register"):
            return {"name": name, "aliases": aliases.split(","), "description": description, "scope": scope,
                    "rules": rules}
    return None


register, edit, test = st.tabs(["Register", "Edit", "Test a prompt"])
with register:
    fields = entry_form("opt_out")
    if fields:
        attempt(wb.rights.add_opt_out, actor.handle, **fields, done=f"“{fields['name']}” registered: prompts using it "
                "are checked against it from now on")

with edit:
    if entries:
        chosen = st.selectbox("Entry", entries, format_func=lambda e: f"#{e.id} {e.name}")
        fields = entry_form(f"edit_{chosen.id}", chosen)
        if fields:
            attempt(wb.rights.update_opt_out, actor.handle, chosen.id, **fields, done=f"Entry #{chosen.id} saved")
        confirm_first("Withdraw this entry", f"Withdraw “{chosen.name}”", wb.rights.retire_opt_out, actor.handle,
                      chosen.id, key=f"retire_{chosen.id}", done=f"“{chosen.name}” withdrawn",
                      message="Prompts that use it are no longer checked against its rules.")
    else:
        st.caption("Register an entry first.")

with test:
    prompt = st.text_input("Prompt", key="rights_test_prompt", placeholder="a yellow electric mouse in a meadow")
    if st.button("Test", key="rights_test"):
        try:
            decision = wb.rights.test_prompt(actor.handle, prompt)
        except WorkbenchError as error:
            show_error(error)
        else:
            verdict = {"block": st.error, "review": st.warning, "allow": st.success}[decision.decision]
            verdict(f"{decision.decision.upper()}: {decision.message()}")
            for reason in decision.reasons + decision.notes:
                st.write(f"- `{reason.code}` {reason.target}: matched \"{reason.matched}\""
                         + (f" (similarity {reason.score:.2f})" if reason.score is not None else ""))
