// Runs the HTTP integration tests once more with the ClickHouse backend: starts a ClickHouse
// server, points every vigil the tests start at it (VIGIL_TEST_CLICKHOUSE_URL, read by
// VigilProcess; each vigil gets a database of its own) and runs integration_test with the suites
// that talk to vigil only over HTTP. Tests that open the SQLite event tables themselves (ingest
// counts, kill -9 of a SQLite writer, redaction's file scan) are SQLite-specific and left out.
//
//   run_on_clickhouse PATH/TO/integration_test

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/clickhouse_cluster.h"
#include "support/vigil_process.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: run_on_clickhouse PATH/TO/integration_test\n");
    return 2;
  }
  vigil::testing::TempDir dir;
  std::string error;
  auto cluster = vigil::testing::ClickHouseCluster::Start(dir.path(), 1, error);
  if (!cluster) {
    std::fprintf(stderr, "cannot start ClickHouse: %s\n", error.c_str());
    return 1;
  }
  setenv("VIGIL_TEST_CLICKHOUSE_URL", cluster->http_url(0).c_str(), 1);
  const std::string filter =
      "ReadApiTest.*:OtlpTest.*:AlertingTest.*:ReleasesTest.*:NotifyTest.*:"
      "DrillsTest.ToolPermission*:DashboardTest.*:LearningTest.Promote*:CliCommandsTest.*:"
      "-ReadApiTest.RollupsSurviveKill9*";
  std::printf("ClickHouse at %s; running %s --gtest_filter=%s\n", cluster->http_url(0).c_str(),
              argv[1], filter.c_str());
  std::fflush(stdout);
  const int rc = std::system((std::string(argv[1]) + " --gtest_filter='" + filter + "'").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}
