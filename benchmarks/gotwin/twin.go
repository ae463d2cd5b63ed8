package main

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"sort"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

const (
	statusRefused = 400

	memberNamespace   = "member"   // chaincode/registry/store.py
	paramNamespace    = "param"    // chaincode/runtime/parameters.py
	proposalNamespace = "proposal" // chaincode/governance/store.py
	voteNamespace     = "vote"     // chaincode/governance/store.py
	delegateRole      = "delegate"
	eventVoted        = "ProposalVoted"
)

// The choices of chaincode/governance/rules.py.
var choices = map[string]bool{"yes": true, "no": true, "abstain": true}

// Fabric CA writes the registered attributes into this certificate extension.
var attributeExtension = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// Twin implements shim.Chaincode.
type Twin struct{}

// refusal is a contract refusal: status 400 and a message for the client.
type refusal struct{ message string }

func (r refusal) Error() string { return r.message }

func refuse(format string, args ...any) error { return refusal{fmt.Sprintf(format, args...)} }

func (t *Twin) Init(stub shim.ChaincodeStubInterface) *peer.Response {
	return shim.Success(nil)
}

func (t *Twin) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	args := stub.GetArgs()
	if len(args) == 0 {
		return &peer.Response{Status: statusRefused, Message: "no function named"}
	}
	function := string(args[0])
	// The writes go to the peer in one WRITE_BATCH_STATE at the end (when the peer offers it), as the
	// Python shim sends them.
	stub.StartWriteBatch()
	var result any
	var err error
	switch function {
	case "Registry:Members":
		result, err = members(stub)
	case "Registry:Bootstrap":
		result, err = bootstrap(stub, args[1:])
	case "Proposal:Vote":
		result, err = vote(stub, args[1:])
	default:
		err = refuse("unknown function %q; known: Registry:Bootstrap, Registry:Members, Proposal:Vote", function)
	}
	if err != nil {
		if r, ok := err.(refusal); ok {
			return &peer.Response{Status: statusRefused, Message: r.message}
		}
		return shim.Error(fmt.Sprintf("internal error in %s: %v", function, err))
	}
	payload, err := canonical(result)
	if err != nil {
		return shim.Error(fmt.Sprintf("internal error in %s: %v", function, err))
	}
	return shim.Success(payload)
}

// bootstrap writes the member records and parameters the benchmark gives it (set-up, not measured;
// unlike Registry:Bootstrap it checks nothing: the twin only ever runs on a benchmark network).
func bootstrap(stub shim.ChaincodeStubInterface, args [][]byte) (any, error) {
	if len(args) != 1 {
		return nil, refuse("Registry:Bootstrap takes one JSON object argument")
	}
	var content struct {
		Members    []map[string]any `json:"members"`
		Parameters map[string]any   `json:"parameters"`
		Proposals  []map[string]any `json:"proposals"`
	}
	if err := json.Unmarshal(args[0], &content); err != nil {
		return nil, refuse("Registry:Bootstrap: %v", err)
	}
	for _, record := range content.Members {
		mspID, _ := record["msp_id"].(string)
		key, err := stub.CreateCompositeKey(memberNamespace, []string{mspID})
		if err != nil {
			return nil, refuse("Registry:Bootstrap: %v", err)
		}
		if err := putJSON(stub, key, record); err != nil {
			return nil, err
		}
	}
	for name, value := range content.Parameters {
		key, err := stub.CreateCompositeKey(paramNamespace, []string{name})
		if err != nil {
			return nil, refuse("Registry:Bootstrap: %v", err)
		}
		if err := putJSON(stub, key, value); err != nil {
			return nil, err
		}
	}
	for _, record := range content.Proposals {
		id, _ := record["id"].(string)
		key, err := stub.CreateCompositeKey(proposalNamespace, []string{id})
		if err != nil {
			return nil, refuse("Registry:Bootstrap: %v", err)
		}
		if err := putJSON(stub, key, record); err != nil {
			return nil, err
		}
	}
	return map[string]any{"changed": true, "members": len(content.Members), "parameters": len(content.Parameters),
		"proposals": len(content.Proposals)}, nil
}

func putJSON(stub shim.ChaincodeStubInterface, key string, value any) error {
	data, err := canonical(value)
	if err != nil {
		return err
	}
	return stub.PutState(key, data)
}

// members: every member record, ordered by MSP id.
func members(stub shim.ChaincodeStubInterface) (any, error) {
	iterator, err := stub.GetStateByPartialCompositeKey(memberNamespace, nil)
	if err != nil {
		return nil, err
	}
	records := []map[string]any{}
	for iterator.HasNext() {
		kv, err := iterator.Next()
		if err != nil {
			iterator.Close()
			return nil, err
		}
		record, err := decode(kv.Value)
		if err != nil {
			iterator.Close()
			return nil, err
		}
		records = append(records, record.(map[string]any))
	}
	// Exhausted: no QUERY_STATE_CLOSE (the peer drops the iterator itself), as our shim does, so
	// both chaincodes send the peer the same requests.
	sort.Slice(records, func(i, j int) bool {
		return fmt.Sprint(records[i]["msp_id"]) < fmt.Sprint(records[j]["msp_id"])
	})
	return records, nil
}

// caller is what chaincode/runtime/identity.py reads from the creator's certificate.
type caller struct {
	mspID string
	name  string
	attrs map[string]string
	admin bool
}

func callerOf(stub shim.ChaincodeStubInterface) (*caller, error) {
	raw, err := stub.GetCreator()
	if err != nil {
		return nil, err
	}
	identity := &msp.SerializedIdentity{}
	if err := proto.Unmarshal(raw, identity); err != nil {
		return nil, fmt.Errorf("cannot decode the creator: %w", err)
	}
	block, _ := pem.Decode(identity.IdBytes)
	if block == nil {
		return nil, fmt.Errorf("the creator's certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	who := &caller{mspID: identity.Mspid, attrs: map[string]string{}}
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(attributeExtension) {
			var body struct {
				Attrs map[string]string `json:"attrs"`
			}
			if err := json.Unmarshal(ext.Value, &body); err == nil && body.Attrs != nil {
				who.attrs = body.Attrs
			}
		}
	}
	who.name = who.attrs["hf.EnrollmentID"]
	if who.name == "" {
		who.name = cert.Subject.CommonName
	}
	for _, ou := range cert.Subject.OrganizationalUnit {
		if ou == "admin" {
			who.admin = true
		}
	}
	return who, nil
}

func decode(data []byte) (any, error) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, err
	}
	return value, nil
}

// canonical is common/canonical.py's dumps: sorted keys, no spaces, UTF-8 kept as is.
func canonical(value any) ([]byte, error) {
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimRight(out.Bytes(), "\n"), nil
}

// vote: the caller's organization (an admin or a delegate) votes on an open proposal, as
// chaincode/governance/contract.py Proposal:Vote does: member record, proposal, its vote, the write,
// one event, and the tally over the proposal's votes.
func vote(stub shim.ChaincodeStubInterface, args [][]byte) (any, error) {
	if len(args) != 1 {
		return nil, refuse("Proposal:Vote takes one JSON object argument, got %d arguments", len(args))
	}
	decoded, err := decode(args[0])
	if err != nil {
		return nil, refuse("Proposal:Vote: argument is not valid JSON (%v)", err)
	}
	arguments, ok := decoded.(map[string]any)
	if !ok {
		return nil, refuse("Proposal:Vote: argument must be a JSON object")
	}
	for field := range arguments {
		if field != "proposal_id" && field != "choice" {
			return nil, refuse("Proposal:Vote: unknown field(s) %s; accepted: choice, proposal_id", field)
		}
	}
	proposalID, _ := arguments["proposal_id"].(string)
	choice, _ := arguments["choice"].(string)
	if proposalID == "" {
		return nil, refuse("Proposal:Vote: missing field(s) proposal_id")
	}

	who, err := callerOf(stub)
	if err != nil {
		return nil, err
	}
	read, err := readAhead(stub, who.mspID, proposalID)
	if err != nil {
		return nil, err
	}
	memberKey, err := stub.CreateCompositeKey(memberNamespace, []string{who.mspID})
	if err != nil {
		return nil, err
	}
	raw, err := read(memberKey)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, refuse("organization %s is not a registered consortium member", who.mspID)
	}
	role := who.attrs["role"]
	if !who.admin && role != delegateRole {
		return nil, refuse("Proposal:Vote needs an admin of a member organization or an identity with role "+
			"'%s'; %s@%s is not an admin", delegateRole, who.name, who.mspID)
	}
	if !choices[choice] {
		return nil, refuse("choice must be one of yes, no, abstain, got %q", choice)
	}
	proposalKey, err := stub.CreateCompositeKey(proposalNamespace, []string{proposalID})
	if err != nil {
		return nil, refuse("proposal_id: %v", err)
	}
	raw, err = read(proposalKey)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, refuse("proposal %s does not exist", proposalID)
	}
	var proposal struct {
		ID         string   `json:"id"`
		Status     string   `json:"status"`
		Electorate []string `json:"electorate"`
		DeadlineTS int64    `json:"deadline_ts"`
		Rule       string   `json:"rule"`
		Quorum     int      `json:"quorum"`
	}
	if err := json.Unmarshal(raw, &proposal); err != nil {
		return nil, err
	}
	if proposal.Status != "open" {
		return nil, refuse("proposal %s is closed (%s); votes are no longer taken", proposalID, proposal.Status)
	}
	member := false
	for _, mspID := range proposal.Electorate {
		member = member || mspID == who.mspID
	}
	if !member {
		return nil, refuse("organization %s was not a member when proposal %s was tabled", who.mspID, proposalID)
	}
	timestamp, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, err
	}
	if timestamp.Seconds >= proposal.DeadlineTS {
		return nil, refuse("voting on proposal %s ended; votes after the deadline are refused", proposalID)
	}
	voteKey, err := stub.CreateCompositeKey(voteNamespace, []string{proposal.ID, who.mspID})
	if err != nil {
		return nil, err
	}
	raw, err = read(voteKey)
	if err != nil {
		return nil, err
	}
	var previous map[string]any
	if raw != nil {
		if err := json.Unmarshal(raw, &previous); err != nil {
			return nil, err
		}
	}
	if previous != nil && previous["choice"] == choice {
		tally, err := tallyOf(stub, proposal.ID, proposal.Rule, proposal.Electorate, proposal.Quorum, "", "")
		if err != nil {
			return nil, err
		}
		return map[string]any{"proposal": proposal.ID, "msp_id": who.mspID, "choice": choice, "changed": false,
			"tally": tally}, nil
	}
	var before any
	changes := 0
	if previous != nil {
		before = previous["choice"]
		if count, ok := previous["changes"].(float64); ok {
			changes = int(count) + 1
		}
	}
	at := timestamp.AsTime().UTC().Format("2006-01-02T15:04:05.000Z")
	by := map[string]any{"msp_id": who.mspID, "name": who.name, "role": role}
	if err := putJSON(stub, voteKey, map[string]any{"proposal": proposal.ID, "msp_id": who.mspID, "choice": choice,
		"previous": before, "changes": changes, "tx_id": stub.GetTxID(), "at": at, "by": by}); err != nil {
		return nil, err
	}
	envelope, err := canonical(map[string]any{"events": []any{map[string]any{
		"name": eventVoted,
		"payload": map[string]any{"proposal": proposal.ID, "msp_id": who.mspID, "choice": choice,
			"previous": before, "tx_id": stub.GetTxID()},
	}}})
	if err != nil {
		return nil, err
	}
	if err := stub.SetEvent(eventVoted, envelope); err != nil {
		return nil, err
	}
	tally, err := tallyOf(stub, proposal.ID, proposal.Rule, proposal.Electorate, proposal.Quorum, who.mspID, choice)
	if err != nil {
		return nil, err
	}
	return map[string]any{"proposal": proposal.ID, "msp_id": who.mspID, "choice": choice, "changed": true,
		"previous": before, "tally": tally}, nil
}

// readAhead reads the three records a vote reads (member, proposal, the organization's vote) in one
// GetMultipleStates (GET_STATE_MULTIPLE when the peer offers it), as the Python contract does with
// ctx.prefetch; the returned function reads a key from those values, or from the peer for any other key.
func readAhead(stub shim.ChaincodeStubInterface, mspID, proposalID string) (func(string) ([]byte, error), error) {
	values := map[string][]byte{}
	memberKey, err1 := stub.CreateCompositeKey(memberNamespace, []string{mspID})
	proposalKey, err2 := stub.CreateCompositeKey(proposalNamespace, []string{proposalID})
	voteKey, err3 := stub.CreateCompositeKey(voteNamespace, []string{proposalID, mspID})
	if err1 == nil && err2 == nil && err3 == nil {
		keys := []string{memberKey, proposalKey, voteKey}
		found, err := stub.GetMultipleStates(keys...)
		if err != nil {
			return nil, err
		}
		for i, key := range keys {
			if len(found[i]) == 0 {
				values[key] = nil // a missing key, as GetState reports it
			} else {
				values[key] = found[i]
			}
		}
	}
	return func(key string) ([]byte, error) {
		if value, ok := values[key]; ok {
			return value, nil
		}
		return stub.GetState(key)
	}, nil
}

// tallyOf counts the electorate's current votes on a proposal (with the caller's new choice, if any).
func tallyOf(stub shim.ChaincodeStubInterface, proposalID, rule string, electorate []string, quorum int,
	mspID, choice string) (map[string]any, error) {
	iterator, err := stub.GetStateByPartialCompositeKey(voteNamespace, []string{proposalID})
	if err != nil {
		return nil, err
	}
	defer iterator.Close()
	current := map[string]string{}
	for iterator.HasNext() {
		entry, err := iterator.Next()
		if err != nil {
			return nil, err
		}
		var record struct {
			MspID  string `json:"msp_id"`
			Choice string `json:"choice"`
		}
		if err := json.Unmarshal(entry.Value, &record); err != nil {
			return nil, err
		}
		current[record.MspID] = record.Choice
	}
	if mspID != "" {
		current[mspID] = choice
	}
	counts := map[string]int{}
	for _, voter := range electorate {
		if picked, ok := current[voter]; ok {
			counts[picked]++
		}
	}
	voted := counts["yes"] + counts["no"] + counts["abstain"]
	return map[string]any{"rule": rule, "electorate": len(electorate), "quorum": quorum, "yes": counts["yes"],
		"no": counts["no"], "abstain": counts["abstain"], "not_voted": len(electorate) - voted,
		"quorum_reached": counts["yes"]+counts["abstain"] >= quorum}, nil
}
