// Test helper: runs the built heapreplay binary with arguments and captures
// its exit status, stdout and stderr (through files in a private folder).
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace heapreplay::test {

struct CliResult {
  int status = -1;  // exit status, or -1 if it did not exit normally
  std::string out;
  std::string err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A fresh temporary folder, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hrtest-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }

 private:
  std::string path_;
};

inline std::string heapreplay_binary() { return std::string(HR_BIN_DIR) + "/heapreplay"; }
inline std::string faulty_malloc_library() { return std::string(HR_LIB_DIR) + "/libhr_faulty_malloc.so"; }

// Runs heapreplay with `args`; stdin is /dev/null.
inline CliResult run_cli(const std::vector<std::string>& args) {
  TempDir dir;
  std::string cmd = shell_quote(heapreplay_binary());
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " </dev/null >" + dir.file("out") + " 2>" + dir.file("err");
  int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(dir.file("out"));
  r.err = read_file(dir.file("err"));
  return r;
}

// Runs heapreplay with `args` in a forked child that calls `setup()` first
// (to set a limit, or drop privileges: a false return ends the child with
// status 126); stdin is /dev/null. `usage`, when given, gets the child's
// resource usage (peak RSS in ru_maxrss). `binary` is the heapreplay to run.
template <class Setup>
CliResult run_cli_in_child(const std::vector<std::string>& args, Setup setup, rusage* usage = nullptr,
                           const std::string& binary = heapreplay_binary()) {
  TempDir dir;
  const std::string out = dir.file("out"), err = dir.file("err");
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> v;
  for (auto& a : argv) v.push_back(a.data());
  v.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    if (!setup()) ::_exit(126);
    ::execv(v[0], v.data());
    ::_exit(127);
  }
  int raw = 0;
  rusage ru{};
  ::wait4(pid, &raw, 0, &ru);
  if (usage) *usage = ru;
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace heapreplay::test
