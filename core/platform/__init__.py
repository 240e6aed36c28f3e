"""Per-OS code, one module per concern (child processes, file locks, memory, durability).

Each function takes the platform it acts for as an explicit argument (default
``sys.platform``), so that every variant that can run here is chosen and tested directly,
and no ``sys.platform`` check is scattered through the rest of the code.
"""
