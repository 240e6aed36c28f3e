"""How long a job takes here and on AWS, and what AWS charges for it (``framefan estimate``).

* :mod:`.calibrate` times short renders of the input on this machine (cached per machine);
* :mod:`.network` keeps the uplink the cloud path last measured;
* :mod:`.prices` is the price table, with its date and region;
* :mod:`.model` turns those into local time, cloud time and cloud cost, and picks the faster
  backend.
"""
