# Thin targets over environment/*.sh; each one first installs whatever is missing.
BACKEND ?= cpu
SCALE ?= laptop
THREADS ?= 1 2
WORKLOADS ?=
ROUNDS ?= 1

.PHONY: setup lab test reproduce kernel data bench

setup:
	@bash environment/install.sh $(BACKEND)

## make lab: set up, then serve notebooks/ on 127.0.0.1 with a token
lab: setup
	@bash environment/lab.sh

## make test: set up, check the kernel's OpenBLAS choice, run the Java tests, then execute every notebook at REPRO_SCALE=smoke
test: setup
	@bash environment/openblas-test.sh
	mvn -B -ntp verify
	@bash environment/notebooks.sh test

## make reproduce NB=00-getting-started [SCALE=laptop]: one notebook headless, with an HTML export
reproduce: setup
	@bash environment/notebooks.sh reproduce "$(NB)" $(SCALE)

## make bench [BACKEND=cuda] [THREADS="1 2"] [WORKLOADS="..."] [ROUNDS=1]: repro4j vs PyTorch, one table (bench/README.md)
bench:
	@BACKEND=$(BACKEND) THREADS="$(THREADS)" WORKLOADS="$(WORKLOADS)" ROUNDS="$(ROUNDS)" bash bench/run.sh

## make kernel [BACKEND=cuda]: (re)install the Jupyter kernel for a backend
kernel data: setup
