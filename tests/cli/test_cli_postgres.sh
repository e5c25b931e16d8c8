#!/bin/bash
# Runs the CLI end-to-end tests (test_cli.sh) against the postgres driver.
STRATA_CLI_BACKEND=postgres exec bash "$(dirname "$0")/test_cli.sh"
