// Command barejson is the baseline of scripts/bench-validate.sh: a bare
// net/http handler that decodes a small JSON body and answers JSON, on the
// same machine and in the same run as the validate endpoint.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	flag.Parse()
	http.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			RawKey string `json:"raw_key"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"valid": body.RawKey != ""})
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
