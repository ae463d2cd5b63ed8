package main

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"sort"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

const (
	statusRefused = 400

	memberNamespace = "member" // chaincode/registry/store.py
	paramNamespace  = "param"  // chaincode/runtime/parameters.py
	coordinatorKind = "coordinator"
	eventChanged    = "ParameterChanged"
)

// Fabric CA writes the registered attributes into this certificate extension.
var attributeExtension = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

var parameterName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]{0,63}$`)

// The parameter catalogue of chaincode/*/parameters.py: name -> JSON shape of its value.
var catalogue = map[string]string{
	"air_basin":             "map",
	"river_basin":           "map",
	"air_pollutants":        "list",
	"water_pollutants":      "list",
	"pollutants":            "list",
	"import_barred_regions": "list",
	"credit_market_barred":  "list",
}

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
	var result any
	var err error
	switch function {
	case "Registry:Members":
		result, err = members(stub)
	case "Registry:SetParameter":
		result, err = setParameter(stub, args[1:])
	case "Registry:Bootstrap":
		result, err = bootstrap(stub, args[1:])
	default:
		err = refuse("unknown function %q; known: Registry:Bootstrap, Registry:Members, Registry:SetParameter",
			function)
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
	return map[string]any{"changed": true, "members": len(content.Members), "parameters": len(content.Parameters)}, nil
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

// setParameter: only an admin of a coordinator organization may change a catalogued parameter.
func setParameter(stub shim.ChaincodeStubInterface, args [][]byte) (any, error) {
	if len(args) != 1 {
		return nil, refuse("Registry:SetParameter takes one JSON object argument, got %d arguments", len(args))
	}
	decoded, err := decode(args[0])
	if err != nil {
		return nil, refuse("Registry:SetParameter: argument is not valid JSON (%v)", err)
	}
	arguments, ok := decoded.(map[string]any)
	if !ok {
		return nil, refuse("Registry:SetParameter: argument must be a JSON object")
	}
	for field := range arguments {
		if field != "name" && field != "value" {
			return nil, refuse("Registry:SetParameter: unknown field(s) %s; accepted: name, value", field)
		}
	}
	name, hasName := arguments["name"]
	value, hasValue := arguments["value"]
	if !hasName || !hasValue {
		return nil, refuse("Registry:SetParameter: missing field(s) name, value")
	}

	who, err := callerOf(stub)
	if err != nil {
		return nil, err
	}
	memberKey, err := stub.CreateCompositeKey(memberNamespace, []string{who.mspID})
	if err != nil {
		return nil, err
	}
	raw, err := stub.GetState(memberKey)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, refuse("organization %s is not a registered consortium member", who.mspID)
	}
	member, err := decode(raw)
	if err != nil {
		return nil, err
	}
	kind := member.(map[string]any)["kind"]
	if kind != coordinatorKind {
		return nil, refuse("Registry:SetParameter is reserved to the coordinator organization; %s is a %v member",
			who.mspID, kind)
	}
	if !who.admin {
		role := who.attrs["role"]
		if role == "" {
			role = "no role"
		}
		return nil, refuse("Registry:SetParameter requires an organization admin; %s@%s (%s) is not an admin",
			who.name, who.mspID, role)
	}
	parameter, ok := name.(string)
	if !ok || !parameterName.MatchString(parameter) {
		return nil, refuse("name must be a parameter name (a letter, then letters, digits, '_' or '.', at most 64), got %v", name)
	}
	if value == nil {
		return nil, refuse("value must not be null")
	}
	shape, known := catalogue[parameter]
	if !known {
		return nil, refuse("unknown parameter %q", parameter)
	}
	if problem := checkShape(shape, value); problem != "" {
		return nil, refuse("parameter %s expects %s: %s", parameter, shape, problem)
	}

	paramKey, err := stub.CreateCompositeKey(paramNamespace, []string{parameter})
	if err != nil {
		return nil, err
	}
	oldRaw, err := stub.GetState(paramKey)
	if err != nil {
		return nil, err
	}
	newRaw, err := canonical(value)
	if err != nil {
		return nil, err
	}
	var old any
	if oldRaw != nil {
		if old, err = decode(oldRaw); err != nil {
			return nil, err
		}
		oldCanonical, err := canonical(old)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(oldCanonical, newRaw) {
			return map[string]any{"name": parameter, "value": value, "changed": false}, nil
		}
	}
	if err := stub.PutState(paramKey, newRaw); err != nil {
		return nil, err
	}
	by := map[string]any{"msp_id": who.mspID, "name": who.name}
	envelope, err := canonical(map[string]any{"events": []any{map[string]any{
		"name":    eventChanged,
		"payload": map[string]any{"name": parameter, "old": old, "new": value, "by": by},
	}}})
	if err != nil {
		return nil, err
	}
	if err := stub.SetEvent(eventChanged, envelope); err != nil {
		return nil, err
	}
	return map[string]any{"name": parameter, "old": old, "new": value, "changed": true}, nil
}

func checkShape(shape string, value any) string {
	switch shape {
	case "map":
		entries, ok := value.(map[string]any)
		if !ok {
			return "got " + jsonKind(value)
		}
		for key, item := range entries {
			if text, ok := item.(string); !ok || text == "" {
				return fmt.Sprintf("the value of %q must be a non-empty string", key)
			}
		}
	case "list":
		items, ok := value.([]any)
		if !ok {
			return "got " + jsonKind(value)
		}
		seen := map[string]bool{}
		for index, item := range items {
			text, ok := item.(string)
			if !ok || text == "" {
				return fmt.Sprintf("item %d must be a non-empty string", index)
			}
			if seen[text] {
				return "items must not repeat"
			}
			seen[text] = true
		}
	}
	return ""
}

func jsonKind(value any) string {
	switch value.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// decode reads JSON keeping numbers exact (no float64 rounding of large integers).
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
