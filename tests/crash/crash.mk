# tests/crash/crash.mk - automake fragment included by Makefile.am
