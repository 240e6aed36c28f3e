"""Everything that differs between Linux, macOS and Windows, one module per concern (child
processes, file locks, memory, folders, file names, the file manager, notifications…).

Each function takes the platform it acts for as an explicit argument (default
``sys.platform``), so that every variant that can run here is chosen and tested directly,
and no ``sys.platform`` check is scattered through the rest of the code.
"""
