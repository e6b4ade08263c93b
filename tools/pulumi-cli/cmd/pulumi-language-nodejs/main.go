// Command pulumi-language-nodejs is pulumi-sev's Node.js language host shim.
//
// The module proxy refuses github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
// (every version), so scripts/install-pulumi.sh builds the newest official Node.js
// language host that is still reachable: the nodejs/cmd/pulumi-language-nodejs package
// of github.com/pulumi/pulumi/sdk/v3 v3.68.0 (see ../../nodejs-langhost and NOTES.md).
// That host works with the v3.259.0 CLI for programs (preview/up/destroy, dynamic
// providers), but its RunPlugin answers "not supported", and v3.259.0 runs Node.js
// policy packs (`pulumi preview --policy-pack`) and Node.js plugins through RunPlugin.
//
// This shim starts the real host (../libexec/pulumi-language-nodejs-v3.68.0 next to
// this binary, or $PULUMI_SEV_NODEJS_LANGHOST), forwards every LanguageRuntime call
// to it unchanged, and implements RunPlugin itself the same way the official
// pulumi-analyzer-policy / run-plugin scripts do: resolve
// @pulumi/pulumi/cmd/run-policy-pack (analyzers) or @pulumi/pulumi/cmd/run-plugin
// (other plugins) from the plugin's directory and run it with node.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Same limit as the Pulumi engine (rpcutil.MaxRPCMessageSize).
const maxRPCMessageSize = 1024 * 1024 * 400

const realHostName = "pulumi-language-nodejs-v3.68.0"

func realHostPath() (string, error) {
	if p := os.Getenv("PULUMI_SEV_NODEJS_LANGHOST"); p != "" {
		return p, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	dir := filepath.Dir(exe)
	for _, p := range []string{
		filepath.Join(dir, "..", "libexec", realHostName),
		filepath.Join(dir, realHostName),
	} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("cannot find %s next to %s (set PULUMI_SEV_NODEJS_LANGHOST)", realHostName, exe)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs (pulumi-sev shim): %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	hostPath, err := realHostPath()
	if err != nil {
		return err
	}

	// Same arguments (engine address, flags), same working directory and environment.
	child := exec.Command(hostPath, os.Args[1:]...)
	child.Stderr = os.Stderr
	setPdeathsig(child)
	childOut, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", hostPath, err)
	}
	childDone := make(chan error, 1)
	go func() { childDone <- child.Wait() }()

	// Like every plugin, the real host prints its gRPC port as the first stdout line.
	reader := bufio.NewReader(childOut)
	line, err := reader.ReadString('\n')
	if err != nil {
		_ = child.Process.Kill()
		return fmt.Errorf("reading port from %s: %w (got %q)", hostPath, err, line)
	}
	port := strings.TrimSpace(line)
	go func() { _, _ = io.Copy(os.Stdout, reader) }()

	conn, err := grpc.NewClient("127.0.0.1:"+port,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRPCMessageSize), grpc.MaxCallSendMsgSize(maxRPCMessageSize)))
	if err != nil {
		_ = child.Process.Kill()
		return err
	}
	defer conn.Close()

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = child.Process.Kill()
		return err
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(maxRPCMessageSize), grpc.MaxSendMsgSize(maxRPCMessageSize))
	pulumirpc.RegisterLanguageRuntimeServer(srv, &shim{real: pulumirpc.NewLanguageRuntimeClient(conn)})

	// The engine reads our port from stdout.
	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	exitCode := make(chan int, 1)
	go func() {
		select {
		case sig := <-sigs:
			_ = child.Process.Signal(sig)
			<-childDone
			exitCode <- 0
		case err := <-childDone:
			// The real host exits when the engine goes away (its health check): follow it.
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			exitCode <- code
		}
		srv.Stop()
	}()
	if err := srv.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		_ = child.Process.Kill()
		return err
	}
	os.Exit(<-exitCode)
	return nil
}

type shim struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	real pulumirpc.LanguageRuntimeClient
}

func (s *shim) Handshake(ctx context.Context, r *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	return s.real.Handshake(ctx, r)
}

func (s *shim) GetRequiredPlugins(ctx context.Context, r *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return s.real.GetRequiredPlugins(ctx, r)
}

func (s *shim) GetRequiredPackages(ctx context.Context, r *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return s.real.GetRequiredPackages(ctx, r)
}

func (s *shim) Run(ctx context.Context, r *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return s.real.Run(ctx, r)
}

func (s *shim) GetPluginInfo(ctx context.Context, r *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return s.real.GetPluginInfo(ctx, r)
}

func (s *shim) InstallDependencies(r *pulumirpc.InstallDependenciesRequest,
	out grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	in, err := s.real.InstallDependencies(out.Context(), r)
	if err != nil {
		return err
	}
	for {
		msg, err := in.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := out.Send(msg); err != nil {
			return err
		}
	}
}

func (s *shim) RuntimeOptionsPrompts(ctx context.Context, r *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return s.real.RuntimeOptionsPrompts(ctx, r)
}

func (s *shim) Template(ctx context.Context, r *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return s.real.Template(ctx, r)
}

func (s *shim) About(ctx context.Context, r *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return s.real.About(ctx, r)
}

func (s *shim) GetProgramDependencies(ctx context.Context, r *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return s.real.GetProgramDependencies(ctx, r)
}

func (s *shim) GenerateProgram(ctx context.Context, r *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return s.real.GenerateProgram(ctx, r)
}

func (s *shim) GenerateProject(ctx context.Context, r *pulumirpc.GenerateProjectRequest) (*pulumirpc.GenerateProjectResponse, error) {
	return s.real.GenerateProject(ctx, r)
}

func (s *shim) GeneratePackage(ctx context.Context, r *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return s.real.GeneratePackage(ctx, r)
}

func (s *shim) Pack(ctx context.Context, r *pulumirpc.PackRequest) (*pulumirpc.PackResponse, error) {
	return s.real.Pack(ctx, r)
}

func (s *shim) Link(ctx context.Context, r *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return s.real.Link(ctx, r)
}

func (s *shim) Cancel(ctx context.Context, r *emptypb.Empty) (*emptypb.Empty, error) {
	return s.real.Cancel(ctx, r)
}

// resolveModule runs `node -e require.resolve(mod)` from dir, like the official
// pulumi-analyzer-policy and pulumi-resource-pulumi-nodejs scripts.
func resolveModule(ctx context.Context, dir, mod string) (string, error) {
	cmd := exec.CommandContext(ctx, "node", "-e", "console.log(require.resolve(process.argv[1]))", mod)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not resolve %s from %s (run npm install there?): %w: %s",
			mod, dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

type streamWriter struct {
	mu     *sync.Mutex
	stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	data := append([]byte(nil), p...)
	msg := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: data}}
	if w.stderr {
		msg = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: data}}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.stream.Send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *shim) RunPlugin(r *pulumirpc.RunPluginRequest, stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	ctx := stream.Context()

	programDir := r.GetInfo().GetProgramDirectory()
	entryPoint := r.GetInfo().GetEntryPoint()
	if programDir == "" { // older engines: deprecated Program field
		programDir = r.GetProgram()
		entryPoint = "."
	}
	if entryPoint == "" {
		entryPoint = "."
	}
	if programDir == "" {
		programDir = r.GetPwd()
	}

	var args []string
	if r.GetKind() == "analyzer" {
		// Policy pack: node @pulumi/pulumi/cmd/run-policy-pack <engine-address> <program>
		script, err := resolveModule(ctx, programDir, "@pulumi/pulumi/cmd/run-policy-pack")
		if err != nil {
			return err
		}
		args = append(append([]string{script}, r.GetArgs()...), entryPoint)
	} else {
		// Other plugins (e.g. a Node.js provider with PulumiPlugin.yaml): run-plugin <program> <args...>
		script, err := resolveModule(ctx, programDir, "@pulumi/pulumi/cmd/run-plugin")
		if err != nil {
			return err
		}
		args = append([]string{script, entryPoint}, r.GetArgs()...)
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = programDir
	cmd.Env = append(os.Environ(), r.GetEnv()...)
	mu := &sync.Mutex{}
	cmd.Stdout = streamWriter{mu: mu, stream: stream}
	cmd.Stderr = streamWriter{mu: mu, stream: stream, stderr: true}
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return err
		}
		code = ee.ExitCode()
	}
	mu.Lock()
	defer mu.Unlock()
	return stream.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}
