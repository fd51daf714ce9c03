"""The owners of each entity's state: named transitions, each one conditional write with its row count checked,
so that of two people acting on one row at once one wins and the other gets a clean Conflict."""
