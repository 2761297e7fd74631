package io.httpsproxy.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Utf8#isValid} agrees with the JDK's strict UTF-8 decoder. */
class Utf8Test {

  private static boolean jdk(byte[] b) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void namedCasesAgreeWithTheJdk() {
    String[] hex = {
      "",
      "41",
      "c3a9",
      "e282ac",
      "f09f9880",
      "f48fbfbf", // valid up to U+10FFFF
      "80",
      "bf",
      "c0af",
      "c1bf",
      "e080af",
      "f0808080", // stray continuation, overlong forms
      "eda080",
      "edbfbf", // UTF-16 surrogates
      "f4908080",
      "f5808080",
      "ff", // above U+10FFFF
      "c3",
      "e282",
      "f09f98",
      "41c3", // cut off at the end
      "c341",
      "e28241",
      "f09f9841" // a continuation byte missing mid-text
    };
    for (String h : hex) {
      byte[] b = HexFormat.of().parseHex(h);
      assertEquals(jdk(b), Utf8.isValid(b), h);
    }
  }

  @Test
  void randomBytesAndRandomTextAgreeWithTheJdk() {
    Random r = new Random(20261126);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[r.nextInt(12)];
      r.nextBytes(b);
      assertEquals(jdk(b), Utf8.isValid(b), HexFormat.of().formatHex(b));
      StringBuilder text = new StringBuilder();
      for (int k = r.nextInt(8); k > 0; k--) {
        text.appendCodePoint(r.nextInt(0x110000));
      }
      byte[] t = text.toString().getBytes(StandardCharsets.UTF_8);
      if (i % 2 == 0 && t.length > 0) {
        t[r.nextInt(t.length)] ^= (byte) (1 << r.nextInt(8)); // one flipped bit
      }
      assertEquals(jdk(t), Utf8.isValid(t), HexFormat.of().formatHex(t));
    }
  }
}
