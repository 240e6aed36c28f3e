"""The job queue: entries, their persistence, the Qt model and view, and the scheduler."""
