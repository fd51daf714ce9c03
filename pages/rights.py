"""Rights: a rights holder's characters, marks and styles, and whether they may be generated."""
import pandas as pd
import streamlit as st

from pages.common import require_actor, result_or_stop, show_error
from workbench import WorkbenchError

wb, actor = require_actor()

st.title("Rights")
st.write("Register what you own. 'Block' means it is never generated; 'Rules' allows it within the rules "
         "you write. Prompts that name an entry or one of its aliases are checked against it.")

entries = result_or_stop(wb.rights.opt_outs, actor.handle)

if entries:
    st.dataframe(pd.DataFrame([{"name": e.name, "aliases": ", ".join(e.aliases), "scope": e.scope,
                                "rules": e.rules, "description": e.description, "holder": f"@{e.holder}"}
                               for e in entries]), hide_index=True, width="stretch")
else:
    st.caption("No entries yet.")

with st.form("opt_out", clear_on_submit=True):
    st.subheader("Register an entry")
    name = st.text_input("Name", max_chars=120)
    aliases = st.text_input("Aliases (comma separated)")
    description = st.text_area("Description")
    scope = st.radio("Scope", ["block", "rules"], horizontal=True)
    rules = st.text_area("Rules (for scope 'rules')")
    if st.form_submit_button("Register"):
        try:
            wb.rights.add_opt_out(actor.handle, name, aliases=aliases.split(","), description=description,
                                  scope=scope, rules=rules)
        except WorkbenchError as error:
            show_error(error)
        else:
            st.rerun()
