"""The staff queue REST API: routes (resolver.py), logic (service.py), auth, scan crops, clocks."""
