"""Marks in the window: in and out points, markers and ranges with names and notes, on the
timeline and in a side panel, with undo; stored in the job's ``marks.json`` (core.marks)."""
