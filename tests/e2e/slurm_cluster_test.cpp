// `heapreplay plan --slurm` on a real Slurm cluster: the test starts a
// single-node cluster from Debian's packages (munged, slurmctld and slurmd
// on this machine, in a private folder, with ports of their own), submits
// the plan of a 4-shard bench, waits for the merge job's report, checks that
// its run set is the unsharded bench's, and stops the daemons. It skips,
// saying exactly why, where the cluster cannot be started (no packages, not
// root, a daemon that does not come up: its log's last lines).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/cli_runner.h"
#include "support/run_keys.h"

namespace heapreplay {
namespace {

namespace fs = std::filesystem;
using test::read_file;
using test::run_cli;
using test::run_keys;
using test::shell_quote;
using test::TempDir;

int shell(const std::string& cmd) {
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

bool have(const char* program) { return shell(std::string("command -v ") + program + " >/dev/null 2>&1") == 0; }

// A TCP port nobody listens on now.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string tail_of(const std::string& path) {
  std::string text = read_file(path);
  if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
  return text.empty() ? "(empty)" : text;
}

// munged, slurmctld and slurmd in `dir`; stopped when destroyed.
class Cluster {
 public:
  explicit Cluster(const std::string& dir) : dir_(dir) {}
  ~Cluster() { stop(); }

  // Empty when the cluster is up; else why not.
  std::string start() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const std::string d = dir_;
    fs::create_directories(d + "/state");
    fs::create_directories(d + "/spool");
    fs::create_directories(d + "/log");
    if (shell("dd if=/dev/urandom of=" + shell_quote(d + "/munge.key") + " bs=1024 count=1 2>/dev/null && chmod 400 " +
              shell_quote(d + "/munge.key")) != 0)
      return "cannot write a munge key in " + d;
    const std::string munged =
        "munged -f --socket=" + shell_quote(d + "/munge.sock") + " --key-file=" + shell_quote(d + "/munge.key") +
        " --pid-file=" + shell_quote(d + "/munged.pid") + " --log-file=" + shell_quote(d + "/log/munged.log") +
        " --seed-file=" + shell_quote(d + "/munged.seed");
    if (shell(munged + " 2>" + shell_quote(d + "/log/munged.err")) != 0)
      return "munged did not start: " + tail_of(d + "/log/munged.err") + " " + tail_of(d + "/log/munged.log");
    munge_ = true;
    const int ctld_port = free_port();
    int slurmd_port = free_port();
    while (slurmd_port == ctld_port) slurmd_port = free_port();
    std::ofstream conf(d + "/slurm.conf");
    conf << "ClusterName=hrtest\nSlurmctldHost=" << host << "\nSlurmUser=root\nSlurmdUser=root\n"
         << "SlurmctldPort=" << ctld_port << "\nSlurmdPort=" << slurmd_port << "\n"
         << "AuthType=auth/munge\nAuthInfo=socket=" << d << "/munge.sock\nCredType=cred/munge\n"
         << "StateSaveLocation=" << d << "/state\nSlurmdSpoolDir=" << d << "/spool\n"
         << "SlurmctldPidFile=" << d << "/slurmctld.pid\nSlurmdPidFile=" << d << "/slurmd.pid\n"
         << "SlurmctldLogFile=" << d << "/log/slurmctld.log\nSlurmdLogFile=" << d << "/log/slurmd.log\n"
         << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\n"
         << "SelectTypeParameters=CR_CPU\nSchedulerType=sched/backfill\nJobAcctGatherType=jobacct_gather/none\n"
         << "MpiDefault=none\nReturnToService=2\n"
         << "NodeName=" << host << " CPUs=" << std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)) << " State=UNKNOWN\n"
         << "PartitionName=hr Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n";
    conf.close();
    ::setenv("SLURM_CONF", (d + "/slurm.conf").c_str(), 1);
    if (shell("slurmctld 2>" + shell_quote(d + "/log/slurmctld.err")) != 0)
      return "slurmctld did not start: " + tail_of(d + "/log/slurmctld.err") + " " + tail_of(d + "/log/slurmctld.log");
    ctld_ = true;
    if (shell("slurmd 2>" + shell_quote(d + "/log/slurmd.err")) != 0)
      return "slurmd did not start: " + tail_of(d + "/log/slurmd.err") + " " + tail_of(d + "/log/slurmd.log");
    slurmd_ = true;
    for (int i = 0; i < 60; ++i) {  // the node registers within a few seconds
      if (shell("sinfo -h -o %t 2>/dev/null | grep -q idle") == 0) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return "the node never became idle: " + tail_of(d + "/log/slurmd.log") + " " + tail_of(d + "/log/slurmctld.log");
  }

  void stop() {
    if (ctld_ || slurmd_) shell("scontrol shutdown >/dev/null 2>&1");
    for (const char* pid : {"/slurmd.pid", "/slurmctld.pid", "/munged.pid"}) {
      std::ifstream in(dir_ + pid);
      long p = 0;
      if (in >> p && p > 1) ::kill(static_cast<pid_t>(p), SIGTERM);
    }
    ctld_ = slurmd_ = munge_ = false;
    ::unsetenv("SLURM_CONF");
  }

 private:
  std::string dir_;
  bool munge_ = false, ctld_ = false, slurmd_ = false;
};

TEST(SlurmCluster, AFourShardArrayJobMergesIntoTheUnshardedRunSet) {
  for (const char* p : {"munged", "slurmctld", "slurmd", "sbatch", "sinfo", "scontrol"})
    if (!have(p))
      GTEST_SKIP() << p << " is not installed (Debian packages slurm-wlm and munge; tools/setup.sh installs them)";
  if (::geteuid() != 0)
    GTEST_SKIP() << "starting slurmd needs root (it runs the jobs as their users); this is uid " << ::geteuid();
  TempDir dir;
  Cluster cluster(dir.file("cluster"));
  if (std::string why = cluster.start(); !why.empty()) GTEST_SKIP() << "the cluster could not be started here: " << why;

  const std::vector<std::string> session = {"bench", "--suite", "quick", "-a", "null", "-a", "sizeclass", "-r", "2"};
  std::vector<std::string> plan = {"plan", "--slurm", "--shards", "4", "--dir", dir.file("plan"), "--"};
  plan.insert(plan.end(), session.begin(), session.end());
  auto planned = run_cli(plan);
  ASSERT_EQ(planned.status, 0) << planned.err;
  const std::string array = read_file(dir.file("plan/array.sbatch"));
  EXPECT_NE(array.find("#SBATCH --array=1-4\n"), std::string::npos) << array;
  EXPECT_NE(array.find("#SBATCH --exclusive\n"), std::string::npos) << array;

  ASSERT_EQ(shell(shell_quote(dir.file("plan/submit.sh")) + " >" + shell_quote(dir.file("submit.out")) + " 2>&1"), 0)
      << read_file(dir.file("submit.out"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (!fs::exists(dir.file("plan/report.json")) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(fs::exists(dir.file("plan/report.json")))
      << "no merged report after 180 s; merge log: " << tail_of(dir.file("plan/logs/merge.out"))
      << "; shard 1 log: " << tail_of(dir.file("plan/logs/shard-1.out"));
  for (int k = 1; k <= 4; ++k)
    EXPECT_TRUE(fs::exists(dir.file("plan/fragments/shard-" + std::to_string(k) + ".json"))) << k;

  std::vector<std::string> unsharded = session;
  unsharded.insert(unsharded.end(), {"-o", dir.file("full.json")});
  auto full = run_cli(unsharded);
  ASSERT_EQ(full.status, 0) << full.err;
  EXPECT_EQ(run_keys(dir.file("plan/report.json")), run_keys(dir.file("full.json")));
  const auto merged = nlohmann::json::parse(read_file(dir.file("plan/report.json")));
  EXPECT_EQ(merged["context"]["merged_shards"]["count"], 4);
}

TEST(SlurmCluster, PlanRefusesWhatItCannotShard) {
  TempDir dir;
  const std::vector<std::vector<std::string>> bad = {
      {"plan", "--shards", "4", "--dir", dir.file("p"), "--", "bench"},
      {"plan", "--slurm", "--dir", dir.file("p"), "--", "bench"},
      {"plan", "--slurm", "--shards", "4", "--", "bench"},
      {"plan", "--slurm", "--shards", "4", "--dir", dir.file("p"), "--", "record", "ls"},
      {"plan", "--slurm", "--shards", "4", "--dir", dir.file("p"), "--", "bench", "--shard", "1/2"},
      {"plan", "--slurm", "--shards", "4", "--dir", dir.file("p"), "--", "bench", "-o", "x.json"},
  };
  for (const auto& c : bad) {
    auto r = run_cli(c);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace heapreplay
