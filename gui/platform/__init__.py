"""What the app needs from the desktop it runs on: a display, one window per user, and a
place in the application menu that opens videos."""
