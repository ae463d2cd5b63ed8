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

step "Every organization's peer holds the same chain"
$E ledger info --channel ecoledger

printf '\nThe network keeps running. Try: %s --help   Stop it: make down   Delete everything: make clean\n' "$E"
