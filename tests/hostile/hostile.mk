# tests/hostile/hostile.mk - automake fragment included by Makefile.am
