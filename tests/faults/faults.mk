# tests/faults/faults.mk - automake fragment included by Makefile.am
