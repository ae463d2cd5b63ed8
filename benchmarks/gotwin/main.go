// Command gotwin is the Go twin of two ecoledger chaincode functions, for
// benchmarks/chaincode_runtime.py: the same work as the Python contracts, on
// the official Go shim, served as a service (CCaaS) like our Python server.
//
//   - Registry:Members  range read of the member records, unmarshal, sort, marshal
//   - Proposal:Vote     parse the caller's certificate, read its member record, the
//     proposal and the organization's vote, write the vote, emit one event, and
//     tally the proposal's votes (a range read)
//
// Keys, checks, results and the event envelope follow chaincode/registry,
// chaincode/governance and chaincode/runtime, so both
// chaincodes send the peer the same requests for the same transaction.
//
// Settings come from the same environment variables as python -m chaincode:
// CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS, CHAINCODE_TLS_KEY_FILE,
// CHAINCODE_TLS_CERT_FILE and CHAINCODE_TLS_CLIENT_CA_FILE.
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

func main() {
	ccid := os.Getenv("CHAINCODE_ID")
	address := os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if ccid == "" || address == "" {
		fmt.Fprintln(os.Stderr, "gotwin: CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
		os.Exit(2)
	}
	tls := shim.TLSProperties{Disabled: true}
	if keyFile := os.Getenv("CHAINCODE_TLS_KEY_FILE"); keyFile != "" {
		tls = shim.TLSProperties{
			Key:  mustRead(keyFile),
			Cert: mustRead(os.Getenv("CHAINCODE_TLS_CERT_FILE")),
		}
		if caFile := os.Getenv("CHAINCODE_TLS_CLIENT_CA_FILE"); caFile != "" {
			tls.ClientCACerts = mustRead(caFile)
		}
	}
	server := &shim.ChaincodeServer{CCID: ccid, Address: address, CC: &Twin{}, TLSProps: tls}
	log.Printf("gotwin chaincode server listening on %s (chaincode id %s, TLS %v)", address, ccid, !tls.Disabled)
	if err := server.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "gotwin: %v\n", err)
		os.Exit(1)
	}
}

func mustRead(path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gotwin: %v\n", err)
		os.Exit(2)
	}
	return data
}
