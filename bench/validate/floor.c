/*
 * The floor for any linter built on libyaml: read every file given on the command line and scan
 * libyaml's events (yaml_parser_parse until STREAM-END), doing nothing with them but counting.
 *
 *   cc -O2 floor.c -lyaml -o floor && ./floor FILE...
 *
 * Prints "FILES files, DOCS documents, EVENTS events" and exits 0, or 1 on a parse error (with
 * libyaml's problem and position), 2 on an I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

int main(int argc, char **argv) {
    unsigned long documents = 0, events = 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        FILE *file = fopen(argv[i], "rb");
        if (!file) {
            perror(argv[i]);
            return 2;
        }
        yaml_parser_t parser;
        if (!yaml_parser_initialize(&parser)) {
            fprintf(stderr, "yaml_parser_initialize failed\n");
            return 2;
        }
        yaml_parser_set_input_file(&parser, file);
        int done = 0;
        while (!done) {
            yaml_event_t event;
            if (!yaml_parser_parse(&parser, &event)) {
                fprintf(stderr, "%s:%lu:%lu: %s\n", argv[i], (unsigned long)parser.problem_mark.line + 1,
                        (unsigned long)parser.problem_mark.column + 1,
                        parser.problem ? parser.problem : "parse error");
                status = 1;
                break;
            }
            events++;
            if (event.type == YAML_DOCUMENT_START_EVENT) documents++;
            done = event.type == YAML_STREAM_END_EVENT;
            yaml_event_delete(&event);
        }
        yaml_parser_delete(&parser);
        fclose(file);
    }
    printf("%d files, %lu documents, %lu events\n", argc - 1, documents, events);
    return status;
}
