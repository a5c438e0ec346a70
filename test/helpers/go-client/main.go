// A Go HTTPS client for the capture tests and the Go benchmark: POSTs OpenAI-style chat
// completions to the local AI server (test/helpers/ai-server.mjs) over HTTP/1.1 or HTTP/2,
// with the Go standard library only, so it builds offline.
//
// Usage: go-client -url URL -ca CA.pem -key KEY [-proto h1|h2] [-n CALLS | -d SECONDS] [-c WORKERS] [-model M]
// Prints one line of JSON: {"proto":"HTTP/2.0","calls":N,"ns":ELAPSED,"prompt_tokens":P}.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "chat completions URL")
	caFile := flag.String("ca", "", "PEM file of the CA to trust")
	key := flag.String("key", "", "API key sent as a bearer token")
	proto := flag.String("proto", "h2", "h1 (HTTP/1.1) or h2 (HTTP/2 via ALPN)")
	n := flag.Int("n", 1, "calls to make (per worker), one after another")
	secs := flag.Float64("d", 0, "if set, call for this many seconds instead of -n calls")
	workers := flag.Int("c", 1, "workers calling at once (HTTP/1.1: one connection each)")
	model := flag.String("model", "gpt-4o-mini", "model to ask for")
	flag.Parse()

	pem, err := os.ReadFile(*caFile)
	if err != nil {
		fail("reading CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fail("no certificate in %s", *caFile)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: *workers}
	switch *proto {
	case "h2":
		tr.ForceAttemptHTTP2 = true // a custom TLS config turns HTTP/2 off unless asked for
	case "h1":
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // no ALPN h2
	default:
		fail("unknown -proto %q", *proto)
	}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	body, _ := json.Marshal(map[string]any{
		"model":    *model,
		"messages": []map[string]string{{"role": "user", "content": "Say hello to the sensor."}},
	})

	var mu sync.Mutex
	var gotProto string
	var prompt, calls int
	call := func(i int) {
		req, _ := http.NewRequest("POST", *url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+*key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			fail("call %d: %v", i, err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			fail("call %d: status %d, %v: %s", i, resp.StatusCode, err, data)
		}
		var out struct {
			Usage struct {
				PromptTokens int `json:"prompt_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal(data, &out); err != nil {
			fail("call %d: bad JSON: %v", i, err)
		}
		mu.Lock()
		gotProto, prompt = resp.Proto, out.Usage.PromptTokens
		calls++
		mu.Unlock()
	}
	start := time.Now()
	deadline := start.Add(time.Duration(*secs * float64(time.Second)))
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if (*secs > 0 && time.Now().After(deadline)) || (*secs == 0 && i >= *n) {
					return
				}
				call(i)
			}
		}()
	}
	wg.Wait()
	line, _ := json.Marshal(map[string]any{"proto": gotProto, "calls": calls, "ns": time.Since(start).Nanoseconds(), "prompt_tokens": prompt})
	fmt.Println(string(line))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-client: "+format+"\n", args...)
	os.Exit(1)
}
