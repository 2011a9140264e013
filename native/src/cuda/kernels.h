// Every kernel the host launches, by its extern "C" name in the embedded PTX. The backend
// resolves all of them when a GPU is first used, so a kernel renamed or missing in a .cu
// fails loudly at start-up instead of at its first launch.
#pragma once

#define AC_CUDA_KERNELS(X)                                                                   \
  /* tensor.cu */                                                                            \
  X(ac_all_finite) X(ac_fill_uniform) X(ac_fill_normal) X(ac_add) X(ac_mul)                  \
  /* activation.cu, dropout.cu */                                                            \
  X(ac_activation_forward) X(ac_activation_backward) X(ac_dropout_forward)                   \
  /* pooling.cu */                                                                           \
  X(ac_maxpool_forward) X(ac_maxpool_backward) X(ac_avgpool_forward) X(ac_avgpool_backward)  \
  X(ac_global_avgpool_forward) X(ac_global_avgpool_backward)                                 \
  /* batchnorm.cu */                                                                         \
  X(ac_bn_stats_train) X(ac_bn_stats_eval) X(ac_bn_apply) X(ac_bn_backward_reduce)           \
  X(ac_bn_backward_dx)                                                                       \
  /* loss.cu, optim.cu */                                                                    \
  X(ac_loss_forward_backward) X(ac_argmax) X(ac_adam_update) X(ac_sgd_update)                \
  /* vector.cu */                                                                            \
  X(ac_batch_reduce) X(ac_batch_axpy) X(ac_batch_scale) X(ac_clip01) X(ac_quantize8)         \
  X(ac_project_l2) X(ac_project_linf)                                                        \
  /* conv.cu, linear.cu, gemm.cu */                                                          \
  X(ac_im2col) X(ac_col2im) X(ac_gemm_to_nchw) X(ac_nchw_to_gemm) X(ac_channel_sum)          \
  X(ac_conv_direct_forward) X(ac_bias_rows) X(ac_column_sum) X(ac_sgemm)                    \
  /* attack.cu */                                                                            \
  X(ac_attack_keep_best) X(ac_pgd_step) X(ac_ddn_step) X(ac_quantized_line_search)           \
  X(ac_bp_step) X(ac_cw_init) X(ac_cw_step) X(ac_deepfool_step) X(ac_jsma_step)            \
  /* smoothing.cu */                                                                         \
  X(ac_graph_degrees) X(ac_graph_weights) X(ac_laplacian_apply) X(ac_cg_solve)               \
  /* lowpass.cu */                                                                           \
  X(ac_gaussian_taps) X(ac_gaussian_pass) X(ac_smooth_clip_masks)                            \
  /* knn.cu */                                                                               \
  X(ac_knn_scan) X(ac_knn_finish) X(ac_row_sq_norms) X(ac_gather_rows)                       \
  /* patches.cu */                                                                           \
  X(ac_patch_extract) X(ac_patch_rebuild) X(ac_patch_strategy) X(ac_e8_nearest)
