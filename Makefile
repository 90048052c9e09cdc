# One task runner for people, the README and CI.

.PHONY: install install-test run index ask test lint format

install:            ## create .venv and install the service
	bash scripts/install.sh

install-test:       ## install the service plus test tools (and Debian chromium)
	bash scripts/install.sh --test

index: install      ## index the seed articles into index/
	.venv/bin/rag index seeds

ask: index          ## install, index seeds/ and answer the example question
	.venv/bin/rag ask "Who led Russia's delegation in Abu Dhabi?"

run: ask            ## ...then serve the chat UI and HTTP API on http://127.0.0.1:7860
	.venv/bin/rag serve

test: install-test  ## install, lint, run the tests
	bash scripts/test.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
