package io.httpsproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterViewLostTest {
  private static ClusterView view() {
    return new ClusterView(
        null, JsonObject::new, NodeDirectory.single("id-1", "n1", NodeFence.create()));
  }

  @Test
  void aNodeThatLeftIsListedByNameWithWhen() {
    ClusterView v = view();
    v.left("n3", 1_764_698_400_000L);

    JsonObject lost = v.lost(List.of("n1", "n2"));

    assertEquals(List.of("n3"), new ArrayList<>(lost.fieldNames()));
    assertEquals(1_764_698_400_000L, lost.getJsonObject("n3").getLong("lostAtMs"));
    assertEquals("2025-12-02T18:00:00Z", lost.getJsonObject("n3").getString("lostAt"));
  }

  @Test
  void aNodeBackUnderItsNameIsNoLongerLost() {
    ClusterView v = view();
    v.left("n2", 1L);
    v.left("n3", 2L);

    assertEquals(List.of("n3"), new ArrayList<>(v.lost(List.of("n1", "n2")).fieldNames()));
    assertEquals(List.of("n3"), new ArrayList<>(v.lost(List.of("n1")).fieldNames()), "forgotten");
  }

  @Test
  void atMost16AreRememberedTheOldestForgottenFirst() {
    ClusterView v = view();
    for (int i = 0; i < 20; i++) {
      v.left("gone-" + i, i);
    }
    JsonObject first = v.lost(List.of("n1"));
    assertEquals(ClusterView.MAX_LOST, first.size());
    assertEquals(false, first.containsKey("gone-3"));
    assertEquals(true, first.containsKey("gone-4"));

    v.left("gone-4", 100); // leaving again makes it the newest
    v.left("new", 101);
    JsonObject lost = v.lost(List.of("n1"));

    assertEquals(ClusterView.MAX_LOST, lost.size());
    assertEquals(false, lost.containsKey("gone-5"), "now the oldest");
    assertEquals(100L, lost.getJsonObject("gone-4").getLong("lostAtMs"));
    assertEquals(true, lost.containsKey("new"));
  }
}
