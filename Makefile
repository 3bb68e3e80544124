# The two commands of this project. Both install what they need into ignored
# folders of the repository (.venv for Python tools, target/ for Rust).
.PHONY: test demo demo-adopt demo-web venv lint

# CI builds once, from a clean clone: cargo's incremental state (kept for the next build
# of a crate) is written for nothing there, so CI builds without it. One setting for every
# target, so that `make demo` and `make lint` after `make test` reuse its build.
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif

test: ## Run the whole test suite against the local Cognito
	scripts/test.sh

demo: ## Run the local demo of the whole flow
	scripts/demo.sh

demo-adopt: ## Run the local demo of adopting an existing pool, client and bucket
	scripts/demo-adopt.sh

demo-web: ## Serve the web app against the local stack and print its URL (Ctrl-C stops it)
	scripts/demo-web.sh

venv: ## Create .venv with the pinned Python tools
	scripts/venv.sh

lint: ## clippy with warnings as errors
	cargo clippy --workspace --all-targets --locked -- -D warnings
