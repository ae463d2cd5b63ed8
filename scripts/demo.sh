#!/usr/bin/env bash
# Bring the 京津冀 consortium up and show it working through the ecoledger CLI.
# Safe to run again: every step is idempotent. Stop with 'make down' (or 'make clean' to delete all data).
set -euo pipefail
cd "$(dirname "$0")/.."
E=".venv/bin/ecoledger"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Bring up the consortium: 4 CAs, 4 SmartBFT ordering nodes, 4 peers, 4 chaincode servers, 4 channels"
$E network up

step "Every node's health and each peer's height per channel"
$E network status

step "Onboard a regulator in Beijing and one in Hebei (attributes go into their CA certificates)"
$E identity register --org BJ --name bj-regulator --role regulator
$E identity register --org HB --name hb-regulator --role regulator
$E identity list

step "The chaincode sees who is calling (evaluate as Beijing's regulator)"
$E --as bj-regulator registry whoami

step "The member registry, read by Hebei's admin"
$E --as admin-hb registry members

step "A rule change is a proposal: Beijing tables it, three of the four organizations vote yes, it closes adopted"
pid=$($E --as admin-bj --json proposal table --kind parameter --title "Bar red and yellow enterprises from the market" \
  --set 'credit_market_barred=["red","yellow"]' --rationale "joint punishment" --deadline 7d \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for who in admin-bj admin-tj admin-hb; do $E --as "$who" proposal vote "$pid" yes; done
$E --as admin-co proposal close "$pid"
$E --as admin-hb proposal show "$pid"

step "A refusal: a parameter outside the catalogue, or of the wrong type, is refused by name when tabled"
$E --as admin-co proposal table --kind parameter --title t --set demo_last_run=today || true
$E --as admin-co proposal table --kind parameter --title t --set 'import_barred_regions="HB"' || true

step "A refusal: nobody, the coordinator included, sets a parameter directly (there is no such command)"
$E --as admin-co registry set-parameter pollutants '["CO2"]' || true

if $E permit --help >/dev/null 2>&1; then
  step "Emission permits: register an enterprise in Beijing and issue it allowances"
  $E identity register --org BJ --name capital-steel --role enterprise --attr entity=91110000600037341L
  $E --as bj-regulator enterprise register --entity 91110000600037341L --name "Capital Steel" || true
  $E --as bj-regulator permit issue --to 91110000600037341L --pollutant SO2 --vintage 2026 --quantity 100t

  step "Bulk issuance from a CSV file (all rows checked first, one transaction per batch)"
  lots=$(mktemp)
  printf 'entity,pollutant,vintage,quantity\n' > "$lots"
  for q in 1 2 3 4 5 6 7; do printf '91110000600037341L,NOx,2026,%st\n' "$q" >> "$lots"; done
  $E --as bj-regulator permit issue-batch "$lots" --batch 4
  rm -f "$lots"

  step "Lists page through an index: 3 rows, then the rest with the bookmark it prints"
  $E permit list --as capital-steel --pollutant NOx --limit 3
  $E --as admin-co permit totals

  step "A listing that splits a lot, and the lot's history, newest entry first"
  $E --as capital-steel market offer --pollutant SO2 --vintage 2026 --quantity 10t --price 1200/t
  lot=$($E --as capital-steel --json permit list --pollutant SO2 --status held | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  $E --as bj-regulator permit history "$lot"
fi

code() { .venv/bin/python -c "from common.credit_code import complete; print(complete('$1'))"; }
retry() { for _ in $(seq 1 30); do "$@" && return 0; sleep 3; done; return 1; }

step "Hazardous waste: a Beijing refinery ships waste oil to a Hebei facility through two transporters"
REFINERY=$(code 91110000DEMAR0001); TRUCK1=$(code 91110000DEMAT0001); TRUCK2=$(code 91130000DEMAT0002)
FACILITY=$(code 91130000DEMAF0001)
$E identity register --org BJ --name refinery --role enterprise --attr "entity=$REFINERY"
$E identity register --org BJ --name truck-1 --role transporter --attr "entity=$TRUCK1"
$E identity register --org HB --name truck-2 --role transporter --attr "entity=$TRUCK2"
$E identity register --org HB --name oil-facility --role facility --attr "entity=$FACILITY"
$E --as bj-regulator enterprise register --entity "$REFINERY" --name "Beijing Refinery" || true
$E --as hb-regulator facility licence --entity "$FACILITY" --codes "HW08 900-249-08,HW49 900-041-49" \
  --capacity 500t --until "$(( $(date +%Y) + 1 ))-12-31" || true
manifest=$($E --as refinery --json manifest create --code "HW08 900-249-08" --quantity 12t --form bulk \
  --facility "$FACILITY" --transporter "$TRUCK1" --transporter "$TRUCK2" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
$E --as truck-1 manifest pickup "$manifest" --quantity 12t || true   # refused: Hebei has not consented yet
$E --as bj-regulator manifest approve "$manifest"
$E --as hb-regulator manifest consent "$manifest"
$E --as truck-1 manifest pickup "$manifest" --quantity 12t
$E --as truck-2 manifest handoff "$manifest" --to "$TRUCK2"
$E --as oil-facility manifest receive "$manifest" --quantity 11.9t
$E --as oil-facility manifest dispose "$manifest" --method R9
$E --as hb-regulator manifest trace "$manifest"
$E --as admin-co manifest balance --entity "$REFINERY"

step "Green credit: every enterprise's level, derived from ledger facts only, read the same in every region"
$E --as hb-regulator credit show "$REFINERY"
$E --as admin-co credit board

step "Ecological compensation on the bj-hb pair channel: Hebei upstream, Beijing downstream (新安江 model)"
$E identity register --org HB --name hb-monitor --role monitor --attr "station=HB Chaohe section"
$E identity register --org BJ --name bj-monitor --role monitor --attr "station=BJ Chaohe section"
terms=$(mktemp --suffix .yaml)
cat > "$terms" <<'YAML'
k0: 0.85
period: month
tolerance: 0.1
arbiter: none
due_days: 30
pollutants: {CODMn: 4, NH3-N: 0.5, TN: 1.2, TP: 0.1}
amounts: {downstream_pays: 100000000, upstream_pays: 60000000}
YAML
agreement=$(retry $E --as hb-regulator --json compensation propose --channel bj-hb --upstream HB --downstream BJ \
  --section "Chaohe at Gubeikou" --file "$terms" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
rm -f "$terms"
retry $E --as bj-regulator compensation sign "$agreement" --channel bj-hb
period=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
retry $E --as hb-monitor compensation submit "$agreement" --channel bj-hb --period "$period" --values "CODMn=3.1,NH3-N=0.42,TN=1.1,TP=0.05"
retry $E --as bj-monitor compensation submit "$agreement" --channel bj-hb --period "$period" --values "CODMn=3.0,NH3-N=0.40,TN=1.0,TP=0.05"
retry $E --as bj-regulator compensation settle "$agreement" --channel bj-hb --period "$period"
$E --as hb-regulator compensation statement "$agreement" --channel bj-hb

step "Every organization's peer holds the same chain"
$E ledger info --channel ecoledger

printf '\nThe network keeps running. Try: %s --help   Stop it: make down   Delete everything: make clean\n' "$E"
