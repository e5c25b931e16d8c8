#!/bin/bash
# Runs the CLI end-to-end tests (test_cli.sh) against the mysql driver.
STRATA_CLI_BACKEND=mysql exec bash "$(dirname "$0")/test_cli.sh"
