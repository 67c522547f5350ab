"""The link lab: sync between a city server and a client in two network namespaces over a
veth pair shaped like a weak mobile link (tests/linklab/netns.py, proxy.py, lab.py). CI runs the short
version (tests/test_linklab.py); `python -m tests.linklab run` or `python -m bench --only link` prints
the full figures."""
