# Sourced by main.sh and test.sh: install what is missing, put the Pulumi CLI on PATH, build.
bash scripts/setup.sh
PULUMI_BIN=$(bash scripts/install-pulumi.sh | tail -n 1)
export PATH="$PULUMI_BIN:$PATH"
npm run -s build
