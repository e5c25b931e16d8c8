# fuzz/fuzz.mk - automake fragment included by Makefile.am
