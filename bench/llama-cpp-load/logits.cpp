// Runs llama.cpp (libllama from a build given by the caller) on one GGUF the way ../shared/fixtures were made:
// n_ctx = the training context, the whole prompt in one llama_decode with logits for every position, F32 K/V cache,
// flash attention off, 2 threads; writes every position's logits, then greedy-decodes N tokens one at a time.
// Usage: logits MODEL.gguf ID,ID,... OUT.f32 N   (prints "greedy: id id ...")
#include "llama.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
int main(int argc, char** argv) {
    if (argc < 5) { fprintf(stderr, "usage: dump MODEL ids,comma OUT.f32 NGREEDY\n"); return 2; }
    std::vector<llama_token> ids;
    for (char* p = strtok(argv[2], ","); p; p = strtok(nullptr, ",")) ids.push_back(atoi(p));
    int ngreedy = atoi(argv[4]);
    llama_backend_init();
    auto mp = llama_model_default_params();
    llama_model* model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 1; }
    auto cp = llama_context_default_params();
    cp.n_ctx = llama_model_n_ctx_train(model);
    cp.n_batch = cp.n_ctx; cp.n_ubatch = cp.n_ctx;
    cp.n_threads = 2; cp.n_threads_batch = 2;
    cp.type_k = GGML_TYPE_F32; cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context* ctx = llama_init_from_model(model, cp);
    int nv = llama_vocab_n_tokens(llama_model_get_vocab(model));
    llama_batch b = llama_batch_init((int)ids.size(), 0, 1);
    for (size_t i = 0; i < ids.size(); i++) { b.token[i] = ids[i]; b.pos[i] = (int)i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1; }
    b.n_tokens = (int)ids.size();
    if (llama_decode(ctx, b)) { fprintf(stderr, "decode failed\n"); return 1; }
    FILE* f = fopen(argv[3], "wb");
    for (size_t i = 0; i < ids.size(); i++) fwrite(llama_get_logits_ith(ctx, (int)i), sizeof(float), nv, f);
    fclose(f);
    const float* last = llama_get_logits_ith(ctx, (int)ids.size() - 1);
    int pos = (int)ids.size();
    printf("greedy:");
    for (int g = 0; g < ngreedy; g++) {
        int best = 0; for (int v = 1; v < nv; v++) if (last[v] > last[best]) best = v;
        printf(" %d", best);
        if (g + 1 == ngreedy) break;
        llama_batch one = llama_batch_init(1, 0, 1);
        one.token[0] = best; one.pos[0] = pos++; one.n_seq_id[0] = 1; one.seq_id[0][0] = 0; one.logits[0] = 1; one.n_tokens = 1;
        if (llama_decode(ctx, one)) { fprintf(stderr, "decode failed\n"); return 1; }
        llama_batch_free(one);
        last = llama_get_logits_ith(ctx, 0);
    }
    printf("\n");
    llama_batch_free(b); llama_free(ctx); llama_model_free(model); llama_backend_free();
    return 0;
}
