// heapreplay shell: drive an allocator by hand (-a NAME), or run the Virtual
// Memory Allocator homework's command language on vmarena (--vma). Commands
// come from a script, a pipe, or a terminal (with a prompt and history).
// A system allocator runs in a child process with its library preloaded and
// its options in the variables it reads, as in replay (glibc too, whose
// tunables are read when a process starts): heapreplay starts itself again
// with that environment and --preloaded.
// See harness/shell/README.md.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "allocators/registry.h"
#include "harness/cli/cli.h"
#include "harness/process/allocator_env.h"
#include "harness/process/launch.h"
#include "harness/process/spawn.h"
#include "harness/shell/fd_output.h"
#include "harness/shell/input.h"
#include "harness/shell/line_editor.h"
#include "harness/shell/shell.h"
#include "harness/shell/vma_interpreter.h"

namespace heapreplay::cli {

namespace {

const char* kShellUsage = "--vma [SCRIPT] | -a ALLOCATOR [SCRIPT]";

bool needs_preload(const AllocatorSpec& spec) {
  for (const AllocatorEntry& e : allocator_catalog())
    if (e.name == spec.name) return e.kind == AllocatorKind::kSystem || e.kind == AllocatorKind::kPreload;
  return false;
}

// Runs `heapreplay shell --preloaded -a SPEC [SCRIPT]` with the allocator's
// library in LD_PRELOAD and its settings in its variables, on our
// stdin/stdout/stderr, and returns its status.
int run_preloaded_child(const AllocatorSpec& spec, const std::string& script, bool inherit_env) {
  ProcessSpec child;
  child.path = self_executable();
  child.argv = {"heapreplay", "shell", "--preloaded", "-a", spec.text};
  if (!script.empty()) child.argv.push_back(script);
  child.preload = preload_library(spec);
  set_allocator_environment(child, allocator_environment(spec), inherit_env);
  // Like system(): Ctrl-C and Ctrl-\ are for the child, which gets them with
  // their default actions; we only wait for it.
  child.default_signals = {SIGINT, SIGQUIT};
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  int status = 0;
  std::string error;
  try {
    status = wait_for_process(launch_process(child));
  } catch (const LaunchError& e) {
    error = std::strerror(e.error());
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (!error.empty()) {
    std::cerr << "heapreplay shell: cannot start " << child.path << ": " << error << '\n';
    return kExitRunFailed;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  const int sig = WTERMSIG(status);
  if (sig == SIGINT) return 128 + SIGINT;  // the person pressed Ctrl-C: no news
  const char* abbrev = sigabbrev_np(sig);
  std::cerr << "heapreplay shell: the shell process for " << spec.text << " was killed by "
            << (abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig)) << '\n';
  return kExitRunFailed;
}

// What `shell`'s command line says.
struct ShellFlags {
  std::string allocator, script;
  bool vma = false, preloaded = false, inherit_env = false, help = false;
};

ShellFlags parse_shell_flags(const std::vector<std::string>& args) {
  ShellFlags f;
  po::options_description visible("Options");
  visible.add_options()("vma", "the Virtual Memory Allocator command language (seed 004), byte-exact, on vmarena")(
      "allocator,a", po::value(&f.allocator),
      "drive this allocator by hand: NAME[:key=value,...] or preload:/path/lib.so (type help in the shell)")(
      "script", po::value(&f.script), "read the commands from this file (default: stdin; '-' is stdin too)")(
      "inherit-env",
      "let the shell's allocator inherit the allocator variables of this environment (MALLOC_CONF, MIMALLOC_*, "
      "GLIBC_TUNABLES, MALLOC_*_, TCMALLOC_*); without it, it starts without them, and one that would change it "
      "is refused")("help,h", "show this help");
  po::options_description all(visible);
  all.add_options()("preloaded", "");  // internal: we are the child with the library already preloaded
  po::positional_options_description pos;
  pos.add("script", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: heapreplay shell " << kShellUsage << "\n\n" << visible << '\n';
      f.help = true;
      return f;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  f.vma = vm.count("vma") > 0;
  f.preloaded = vm.count("preloaded") > 0;
  f.inherit_env = vm.count("inherit-env") > 0;
  if (f.vma && !f.allocator.empty()) throw UsageError("--vma runs on vmarena; give either --vma or -a, not both");
  if (!f.vma && f.allocator.empty()) throw UsageError("give --vma, or -a NAME for the allocator to drive");
  return f;
}

// Reads commands from `fd` (named `source_name`) until they end, on vmarena
// in the VMA language or on `spec`, and returns the shell's status.
int run_shell_on(int fd, const std::string& source_name, bool vma, const AllocatorSpec& spec) {
  const bool interactive = fd == STDIN_FILENO && ::isatty(STDIN_FILENO) == 1;
  // The VMA tests print megabytes: 1 MiB blocks. Allocator mode keeps its
  // buffers small, since under a system allocator they count in its statistics.
  const std::size_t buffer_bytes = vma ? shell::ByteReader::kDefaultBufferBytes : 64 * 1024;
  shell::FdOutput out(STDOUT_FILENO, buffer_bytes);
  shell::VmaInterpreter* vma_interpreter = nullptr;  // for the continuation prompt
  std::unique_ptr<shell::InputSource> source;
  if (interactive) {
    std::string prompt = vma ? "vma> " : spec.name + "> ";
    source = std::make_unique<shell::LineEditorInput>("heapreplay", [&vma_interpreter, prompt] {
      return vma_interpreter != nullptr && vma_interpreter->mid_command() ? std::string("...> ") : prompt;
    });
  } else {
    source = std::make_unique<shell::FdInput>(fd, source_name);
  }
  shell::ByteReader reader(
      *source, [&out] { out.flush(); }, buffer_bytes);

  int status = kExitOk;
  if (vma) {
    shell::VmaInterpreter interpreter(reader, out);
    vma_interpreter = &interpreter;
    interpreter.run();
    vma_interpreter = nullptr;
  } else {
    if (interactive) out << "heapreplay shell on " << spec.text << "; type help for the commands, quit to leave\n";
    shell::SessionIo io;
    io.in = &reader;
    io.out = &out;
    io.err = &std::cerr;
    io.source_name = source_name;
    io.interactive = interactive;
    status = shell::run_allocator_shell(spec, io) == 0 ? kExitOk : kExitRunFailed;
  }
  out.flush();
  if (!out.ok()) {
    std::cerr << "heapreplay shell: cannot write the output: " << out.error() << '\n';
    return kExitOutputFailed;
  }
  return status;
}

}  // namespace

int cmd_shell(const std::vector<std::string>& args) {
  const ShellFlags f = parse_shell_flags(args);
  if (f.help) return kExitOk;
  AllocatorSpec spec;
  if (!f.vma) {
    refuse_sweep(f.allocator, "shell");
    spec = parse_allocator_spec(f.allocator);
    if (needs_preload(spec) && !f.preloaded) {
      check_inherited_environment({spec.text}, f.inherit_env);
      return run_preloaded_child(spec, f.script, f.inherit_env);
    }
  }
  if (f.script.empty() || f.script == "-") return run_shell_on(STDIN_FILENO, "<stdin>", f.vma, spec);
  const int fd = ::open(f.script.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << "heapreplay shell: cannot open " << f.script << ": " << std::strerror(errno) << '\n';
    return kExitBadInput;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  return run_shell_on(fd, f.script, f.vma, spec);
}

}  // namespace heapreplay::cli
