# tests/oom/oom.mk - automake fragment included by Makefile.am
