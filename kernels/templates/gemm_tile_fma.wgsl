//## One staged step of the tiled GEMM kernels (conv2d*.wgsl): for each of the DEPTH reduction
//## rows in As/Bs, 4 vec4 loads and 16 vec4 FMAs into the thread's accumulators. KK names the loop index.
    for (var [[KK]] = 0u; [[KK]] < [[DEPTH]]; [[KK]]++) {
      let a0 = As[[[KK]] * (TM / 4u) + 2u * ty];
      let a1 = As[[[KK]] * (TM / 4u) + 2u * ty + 1u];
      let b0 = Bs[[[KK]] * (TN / 4u) + 2u * tx];
      let b1 = Bs[[[KK]] * (TN / 4u) + 2u * tx + 1u];
      c00 = fma(vec4<f32>(a0.x), b0, c00); c01 = fma(vec4<f32>(a0.x), b1, c01);
      c10 = fma(vec4<f32>(a0.y), b0, c10); c11 = fma(vec4<f32>(a0.y), b1, c11);
      c20 = fma(vec4<f32>(a0.z), b0, c20); c21 = fma(vec4<f32>(a0.z), b1, c21);
      c30 = fma(vec4<f32>(a0.w), b0, c30); c31 = fma(vec4<f32>(a0.w), b1, c31);
      c40 = fma(vec4<f32>(a1.x), b0, c40); c41 = fma(vec4<f32>(a1.x), b1, c41);
      c50 = fma(vec4<f32>(a1.y), b0, c50); c51 = fma(vec4<f32>(a1.y), b1, c51);
      c60 = fma(vec4<f32>(a1.z), b0, c60); c61 = fma(vec4<f32>(a1.z), b1, c61);
      c70 = fma(vec4<f32>(a1.w), b0, c70); c71 = fma(vec4<f32>(a1.w), b1, c71);
    }
