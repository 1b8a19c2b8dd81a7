//## Stages the TM x TK tile of A (row-major M x K; element (m, k) read as [[AT]]) into As, k
//## fastest so that consecutive threads read consecutive floats; zero outside A.
    for (var r = lid / TK; r < TM; r += aStep) {
      let m = m0 + r;
      let k = k0 + aK;
      var a = 0.0;
      if (m < M && k < K) {
        a = [[AT]];
      }
      As[(aK * TM + r) / 4u][r % 4u] = a;
    }
