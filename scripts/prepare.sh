# Sourced by main.sh and test.sh: a supported Node.js first (scripts/install-node.sh), then what is
# missing (scripts/setup.sh), the Pulumi CLI on PATH, and the build: the package, then the policy pack
# (policy/, compiled against the package's built core).
NODE_BIN=$(bash scripts/install-node.sh | tail -n 1)
export PATH="$NODE_BIN:$PATH"
bash scripts/setup.sh
PULUMI_BIN=$(bash scripts/install-pulumi.sh | tail -n 1)
export PATH="$PULUMI_BIN:$PATH"
npm run -s build
npm run -s build --prefix policy
